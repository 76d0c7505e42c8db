"""The reports the office sends upward (DESIGN.md, "Where the next parts go"):
the survey of apps and sites popular with minors (摸排表, ``survey``) and the
campaign summary (集中行动总结, ``summary``). Figures come from the store's
aggregations (``flag_figures``, ``item_figures``, ``app_figures``,
``flag_counts_for_urls``), never from reading every flag into Python."""
