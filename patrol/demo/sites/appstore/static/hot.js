// Fills the hot ranking from /api/hot.json. Built with textContent, never innerHTML.
(function () {
  var list = document.querySelector('#hot-rank .hot-list');
  if (!list) { return; }
  fetch('/api/hot.json').then(function (r) { return r.json(); }).then(function (data) {
    data.apps.forEach(function (app) {
      var li = document.createElement('li');
      li.className = 'hot-item';
      var a = document.createElement('a');
      a.className = 'app-link hot-link';
      a.href = app.url;
      var no = document.createElement('span');
      no.className = 'hot-no';
      no.textContent = String(app.rank);
      var name = document.createElement('span');
      name.className = 'app-name';
      name.textContent = app.name;
      a.appendChild(no);
      a.appendChild(name);
      li.appendChild(a);
      var dl = document.createElement('span');
      dl.className = 'downloads';
      dl.textContent = app.downloads;
      li.appendChild(dl);
      list.appendChild(li);
    });
    list.setAttribute('data-loaded', 'true');
  });
})();
