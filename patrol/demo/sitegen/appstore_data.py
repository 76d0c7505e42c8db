"""The apps of the demo app store "童趣应用市场" (data only; ``appstore.py`` renders it).

``flag`` says what a reviewer should conclude (None = clean). ``listed`` False
means the app is linked only from the JavaScript-rendered hot ranking.
"""

CATEGORIES = [  # slug, name, apps listed in order (2 per listing page)
    ("edu", "教育学习", ["zuoye-bangshou", "yingyu-huiben", "gushici", "suji-danci", "xueba-ziyuan", "xingkong-kexue"]),
    ("kids", "儿童", ["baobao-pinyin", "erge-wu", "konglong-baike", "ertong-shoubiao"]),
    ("games", "游戏", ["fangkuai-jianzao", "mengchong-xiaoxiao", "saiche-yingxiong", "tianxin-zhibo"]),
    ("comics", "漫画小说", ["shaonian-manhua", "yedu-manhua", "shuxiang-xiaoshuo"]),
    ("tools", "工具", ["huyan-jishi", "jiazhang-shouhu", "yinghan-cidian"]),
]

HOT = ["kousuan-daren", "zuoye-bangshou", "biancheng-senlin", "yingyu-huiben", "xueba-ziyuan", "gushici"]

# fields: name, developer, category slug, age, downloads, rating, version, updated, size,
# description (paragraphs), reviews [(author, stars, text)], flag, jsonld, listed
APPS = {
    "zuoye-bangshou": dict(
        name="作业小帮手", developer="北京启明星教育科技有限公司", cat="edu", age="适用年龄 6岁以上",
        downloads="1.2亿次", rating="4.7", version="13.8.2", updated="2025-10-18", size="186.4MB",
        desc=["拍照搜题、口算批改、作文辅导，覆盖小学到高中全部学科。",
              "名师精讲视频逐步讲解解题思路，错题本自动整理，帮助孩子查漏补缺。家长端可查看学习报告。"],
        reviews=[("晨晨妈妈", 5, "口算批改很快，孩子每天自己检查作业。"),
                 ("王老师", 4, "讲解视频质量不错，希望少一点会员提示。")],
        flag=None, jsonld=True, listed=True),
    "yingyu-huiben": dict(
        name="英语绘本馆", developer="上海小橡树文化传播有限公司", cat="edu", age="3+",
        downloads="3500万次下载", rating="4.8", version="6.2.0", updated="2025年9月30日", size="98.1MB",
        desc=["精选2000余本英文原版分级绘本，外教真人朗读，支持点读和跟读评分。",
              "按照蓝思分级推荐阅读计划，每天15分钟，培养孩子的英语语感。"],
        reviews=[("豆豆爸", 5, "外教发音标准，孩子睡前必听。"),
                 ("小雨", 5, "分级很清楚，跟读打分能鼓励孩子开口。")],
        flag=None, jsonld=False, listed=True),
    "gushici": dict(
        name="古诗词乐园", developer="杭州墨香互动科技有限公司", cat="edu", age="适用年龄 6岁以上",
        downloads="860万+", rating="4.6", version="3.4.1", updated="2025-08-12", size="64.0MB",
        desc=["收录小学必背古诗词129首，配有动画讲解、朗诵示范和诗人故事。",
              "闯关背诵、飞花令对战，让孩子在游戏中记住经典。"],
        reviews=[("语文课代表", 5, "动画很美，背诗不再枯燥。"),
                 ("奶奶带娃", 4, "字再大一点就更好了。")],
        flag=None, jsonld=True, listed=True),
    "suji-danci": dict(
        name="速记单词王", developer="深圳极速学堂网络科技有限公司", cat="edu", age="12+",
        downloads="2,300,000+", rating="3.1", version="8.0.5", updated="2025-11-02", size="120.7MB",
        desc=["科学记忆曲线安排复习，覆盖小学、初中、高中及四六级词汇。",
              "每日打卡背单词，单词PK赛与同学一起进步。"],
        reviews=[("初二学生家长", 1, "孩子背单词时老是弹出擦边的美女广告，还写着“点击看更多私密照片”，太低俗了！"),
                 ("张女士", 2, "弹窗广告尺度太大，穿着暴露的主播视频自动播放，根本不适合学生。"),
                 ("学霸小林", 4, "词库挺全，就是广告多，关不掉。")],
        flag="vulgar", jsonld=False, listed=True),
    "xueba-ziyuan": dict(
        name="学霸资源库", developer="个人开发者 李某", cat="edu", age="4+",
        downloads="35万+", rating="4.9", version="2.1.0", updated="2025-09-01", size="22.3MB",
        desc=["人教版、北师大版全套电子课本及教辅PDF免费下载，小学到高中全覆盖。",
              "2025新版五三、王后雄、必刷题全套扫描版，网盘资源每日更新，加群领取完整答案。",
              "本应用所有资源来自网络，仅供学习交流。"],
        reviews=[("匿名用户", 5, "找到了整套必刷题PDF，比买书省钱多了。"),
                 ("初三冲刺", 5, "网盘链接都能用，答案全。")],
        flag="unlicensed_publication", jsonld=False, listed=True),
    "xingkong-kexue": dict(
        name="星空科学课", developer="成都好奇心科技有限公司", cat="edu", age="适用年龄 8岁以上",
        downloads="520万次", rating="4.5", version="4.0.3", updated="2025-07-21", size="210.5MB",
        desc=["跟着中国科学院的科普老师做实验：天文、物理、生物三十个主题单元。",
              "AR观星功能对准夜空即可识别星座，附带家庭小实验材料清单。"],
        reviews=[("航天迷", 5, "AR观星太酷了，孩子认识了北斗七星。")],
        flag=None, jsonld=True, listed=True),
    "baobao-pinyin": dict(
        name="宝宝学拼音", developer="武汉小蜗牛早教科技有限公司", cat="kids", age="3+",
        downloads="1,050万次", rating="4.6", version="5.5.0", updated="2025-10-08", size="76.9MB",
        desc=["声母、韵母、整体认读音节动画教学，配合拼读游戏巩固练习。", "无广告，家长可设置每日使用时长。"],
        reviews=[("一年级新生妈妈", 5, "幼小衔接很实用，没有广告。")],
        flag=None, jsonld=False, listed=True),
    "erge-wu": dict(
        name="儿歌多多屋", developer="广州彩虹桥动漫有限公司", cat="kids", age="适用年龄 3岁以上",
        downloads="6800万+", rating="4.4", version="9.1.2", updated="2025-06-30", size="150.2MB",
        desc=["经典儿歌、睡前故事、国学启蒙动画，支持离线下载。", "护眼模式：连续观看20分钟自动提醒休息。"],
        reviews=[("二宝妈", 4, "内容丰富，护眼提醒很贴心。")],
        flag=None, jsonld=True, listed=True),
    "konglong-baike": dict(
        name="恐龙小百科", developer="南京探索者数字出版有限公司", cat="kids", age="4+",
        downloads="120万次", rating="4.8", version="2.3.6", updated="2025-05-16", size="88.8MB",
        desc=["60种恐龙3D模型，可旋转放大观察，配有古生物学家讲解。"],
        reviews=[("恐龙迷小宇", 5, "霸王龙的模型超级逼真！")],
        flag=None, jsonld=False, listed=True),
    "ertong-shoubiao": dict(
        name="儿童手表助手", developer="东莞小天使电子科技有限公司", cat="kids", age="4+",
        downloads="10,000+", rating="4.0", version="1.9.0", updated="2025-04-03", size="35.5MB",
        desc=["绑定儿童电话手表，查看定位、设置安全区域和上课禁用时段。"],
        reviews=[("李爸爸", 4, "定位准确，上课禁用很有用。")],
        flag=None, jsonld=False, listed=True),
    "fangkuai-jianzao": dict(
        name="方块建造营", developer="厦门像素工坊网络科技有限公司", cat="games", age="8+",
        downloads="4500万次下载", rating="4.5", version="1.21.3", updated="2025-09-19", size="620.0MB",
        desc=["自由搭建的沙盒游戏：建房子、种庄稼、探索洞穴，和好友一起创造世界。",
              "已接入网络游戏防沉迷实名认证系统，未成年人仅可在规定时段游戏。"],
        reviews=[("小小建筑师", 5, "和同学一起盖了一座城堡。"), ("家长", 4, "防沉迷做得不错。")],
        flag=None, jsonld=True, listed=True),
    "mengchong-xiaoxiao": dict(
        name="萌宠消消乐", developer="苏州喵喵互娱有限公司", cat="games", age="适用年龄 8岁以上",
        downloads="2.3亿次", rating="4.3", version="3.66.0", updated="2025-11-10", size="310.4MB",
        desc=["上千个休闲关卡，收集可爱萌宠，适合全家一起玩的三消游戏。"],
        reviews=[("闯关达人", 4, "关卡设计用心，偶尔有点难。")],
        flag=None, jsonld=False, listed=True),
    "saiche-yingxiong": dict(
        name="赛车小英雄", developer="重庆疾风游戏有限公司", cat="games", age="12+",
        downloads="900万+", rating="4.2", version="2.8.4", updated="2025-08-25", size="455.0MB",
        desc=["Q版卡通赛车竞速，二十条赛道，漂移、氮气加速，支持本地双人对战。"],
        reviews=[("速度与激情", 4, "画面可爱，操作简单。")],
        flag=None, jsonld=False, listed=True),
    "tianxin-zhibo": dict(
        name="甜心直播", developer="香港甜心互动传媒有限公司", cat="games", age="12+",
        downloads="3500万次", rating="3.9", version="7.7.7", updated="2025-11-15", size="140.0MB",
        desc=["美女主播24小时在线，一对一私密视频聊天，寂寞的夜晚有人陪。",
              "刷火箭解锁主播专属福利视频，守护榜前三可加主播私人微信，尺度你懂的。",
              "新人注册即送888钻石，学生党也能轻松上榜。"],
        reviews=[("夜猫子", 5, "福利真的多，懂的都懂。"), ("愤怒的家长", 1, "孩子偷偷充值了两千多，全是打赏主播！")],
        flag="vulgar", jsonld=False, listed=True),
    "shaonian-manhua": dict(
        name="少年漫画社", developer="北京青苗动漫文化有限公司", cat="comics", age="适用年龄 12岁以上",
        downloads="1500万次", rating="4.6", version="5.0.1", updated="2025-10-28", size="95.3MB",
        desc=["正版授权国漫连载：热血、校园、科幻、历史题材，持证上岗的内容审核团队。",
              "青少年模式下只展示适龄作品，每日限时40分钟。"],
        reviews=[("漫画少年", 5, "正版更新及时，青少年模式很干净。")],
        flag=None, jsonld=True, listed=True),
    "yedu-manhua": dict(
        name="夜读漫画", developer="海南夜色文化传媒有限公司", cat="comics", age="12+",
        downloads="800万+", rating="4.1", version="4.4.4", updated="2025-11-20", size="66.6MB",
        desc=["每晚更新独家福利漫画，无删减版本抢先看，深夜宅男必备。",
              "超多校园恋爱、禁忌番外，成人向内容VIP专享，学生党签到免费领VIP！",
              "点击“福利专区”解锁羞羞的剧情，懂的都懂。"],
        reviews=[("匿名", 5, "福利专区尺度大，懂的来。"), ("初一学生", 5, "签到送VIP，同学都在看。"),
                 ("担忧的妈妈", 1, "在孩子手机里发现的，里面的图片很露骨，为什么12岁就能下载？")],
        flag="vulgar", jsonld=False, listed=True),
    "shuxiang-xiaoshuo": dict(
        name="书香小说", developer="上海书香阅读科技有限公司", cat="comics", age="12+",
        downloads="3,200万+", rating="4.4", version="6.9.0", updated="2025-09-09", size="58.7MB",
        desc=["正版网络文学与出版图书，百万册书籍免费读，支持听书和护眼夜间模式。"],
        reviews=[("书虫", 4, "书库很全，都是正版授权。")],
        flag=None, jsonld=False, listed=True),
    "huyan-jishi": dict(
        name="护眼计时器", developer="青岛明眸健康科技有限公司", cat="tools", age="4+",
        downloads="50万+", rating="4.7", version="1.4.2", updated="2025-03-18", size="12.1MB",
        desc=["按“20-20-20”护眼法则定时提醒休息，统计每天屏幕使用时间。"],
        reviews=[("近视预防", 5, "简单好用，没有广告。")],
        flag=None, jsonld=True, listed=True),
    "jiazhang-shouhu": dict(
        name="家长守护", developer="深圳安心守护科技有限公司", cat="tools", age="4+",
        downloads="750万次", rating="4.3", version="3.2.0", updated="2025-10-01", size="45.0MB",
        desc=["管理孩子手机的应用使用时长、屏蔽不适宜内容，一键开启青少年模式。"],
        reviews=[("上班族妈妈", 4, "能远程锁屏，放心很多。")],
        flag=None, jsonld=False, listed=True),
    "yinghan-cidian": dict(
        name="英汉小词典", developer="外语教学与出版数字公司", cat="tools", age="4+",
        downloads="1,800万次下载", rating="4.8", version="11.0.0", updated="2025-07-07", size="102.6MB",
        desc=["收录20万词条，真人发音，例句丰富，支持拍照取词和离线词库。"],
        reviews=[("高一学生", 5, "离线也能查，很方便。")],
        flag=None, jsonld=False, listed=True),
    # Linked only from the JavaScript hot ranking on the home page:
    "kousuan-daren": dict(
        name="口算小达人", developer="合肥算盘科技有限公司", cat="edu", age="适用年龄 6岁以上",
        downloads="4200万次", rating="4.8", version="5.12.0", updated="2025-11-05", size="70.2MB",
        desc=["小学1-6年级口算、速算、竖式练习，拍照自动批改，同步人教版、北师大版教材。",
              "每日口算挑战赛，错题自动生成巩固练习。"],
        reviews=[("三年级家长", 5, "每天十分钟，口算速度明显提高。")],
        flag=None, jsonld=True, listed=False),
    "biancheng-senlin": dict(
        name="编程小森林", developer="杭州小码农教育科技有限公司", cat="edu", age="适用年龄 5岁以上",
        downloads="260万+", rating="4.7", version="2.6.1", updated="2025-10-22", size="133.0MB",
        desc=["图形化编程启蒙：拖动积木块让小动物走出森林迷宫，学习顺序、循环和条件。",
              "课程由少儿编程教研团队设计，适合5-10岁儿童，无内购广告。"],
        reviews=[("程序员爸爸", 5, "循序渐进，孩子玩着就懂了循环。")],
        flag=None, jsonld=False, listed=False),
}
