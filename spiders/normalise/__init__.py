"""One normaliser per typed item field, applied to selector values and
generic values alike (spiders/pages/base.py ``Page.typed``).

Each takes the value as the page displays it and returns the normalised
value, or ``None`` when the displayed value has no such value in it (the
displayed value is kept beside it in the item's ``raw`` dict, so nothing is
lost and nothing guessed is presented as extracted).
"""

from spiders.normalise.dates import normalise_date
from spiders.normalise.fields import (normalise_age_rating, normalise_byline, normalise_downloads,
                                      normalise_news_licence, normalise_price, normalise_rating,
                                      normalise_shop_licence, normalise_version)

NORMALISERS = {
    "published": normalise_date,
    "updated": normalise_date,
    "version": normalise_version,
    "age_rating": normalise_age_rating,
    "downloads": normalise_downloads,
    "rating": normalise_rating,
    "byline": normalise_byline,
}

__all__ = ["NORMALISERS", "normalise_date", "normalise_age_rating", "normalise_byline",
           "normalise_downloads", "normalise_news_licence", "normalise_price", "normalise_rating",
           "normalise_shop_licence", "normalise_version"]
