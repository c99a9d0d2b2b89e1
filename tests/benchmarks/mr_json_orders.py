"""Benchmark job over JSON lines: nested order records (a user with an id,
country and tier; a list of items with quantity and price), grouped by
user. The reducer writes, per user id, the number of paid orders, items
bought and cents spent, and the distinct countries the orders came from.

Input is read with ``JSONValueProtocol`` (each line one JSON value)."""

from streamr.job import MRJob
from streamr.protocol import JSONValueProtocol


class MRJsonOrders(MRJob):

    INPUT_PROTOCOL = JSONValueProtocol

    def mapper(self, _, order):
        if not order["paid"]:
            return
        items = order["items"]
        yield order["user"]["id"], [
            1,
            sum(item["qty"] for item in items),
            sum(item["qty"] * item["price_cents"] for item in items),
            order["user"]["country"],
        ]

    def reducer(self, user_id, orders):
        count = items = cents = 0
        countries = set()
        for one, quantity, spent, country in orders:
            count += one
            items += quantity
            cents += spent
            countries.add(country)
        yield user_id, {"orders": count, "items": items, "cents": cents,
                        "countries": sorted(countries)}


if __name__ == "__main__":
    MRJsonOrders.run()
