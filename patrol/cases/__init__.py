"""Cases linked across sites by the identifiers sellers leave behind (全链条).

Flagged items only: when a flag is raised its item's identifiers
(``classifiers.identifiers``) are stored as the flag's entities, and the flags
sharing a normalised identifier are linked into a case. An identifier shown by
flags of ``PATROL_CASES_HUB_SOURCES`` or more sources (a platform's service
number, a common 网盘 domain, the office's own contact) is a hub: kept, shown,
but it links nothing on its own. A dismissed flag's entities are deleted and
it drops out of its case.

``extract``  entities of one flagged item (from its evidence passages when the
             classifier names them, else its text and contact fields)
``link``     incremental linking (``on_raised``, ``on_decided``) and ``rebuild``
``views``    a case as the CLI, the console and the exports show it
"""

from patrol.cases.link import on_decided, on_raised, rebuild, relink  # noqa: F401
