"""Page classes: a response (+ profile) in, an item out, no I/O."""

from spiders.pages.app import AppPage
from spiders.pages.base import Page
from spiders.pages.news import NewsPage
from spiders.pages.shop import ShopPage

PAGE_CLASSES = {"app": AppPage, "shop": ShopPage, "news": NewsPage, "page": Page}


def page_class(kind: str) -> type[Page]:
    return PAGE_CLASSES[kind]
