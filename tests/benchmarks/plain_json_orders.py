"""The floor for mr_json_orders.py: one process, one dict, the same output
(JSON user id, tab, JSON totals; sorted by the encoded key).

    python plain_json_orders.py PATH"""

import json
import sys


def main(path):
    totals = {}
    with open(path, encoding="utf_8") as handle:
        for line in handle:
            order = json.loads(line)
            if not order["paid"]:
                continue
            user = order["user"]
            items = order["items"]
            entry = totals.get(user["id"])
            if entry is None:
                entry = totals[user["id"]] = [0, 0, 0, set()]
            entry[0] += 1
            entry[1] += sum(item["qty"] for item in items)
            entry[2] += sum(item["qty"] * item["price_cents"] for item in items)
            entry[3].add(user["country"])
    write = sys.stdout.write
    for user_id in sorted(totals, key=json.dumps):
        count, items, cents, countries = totals[user_id]
        write("%s\t%s\n" % (json.dumps(user_id), json.dumps(
            {"orders": count, "items": items, "cents": cents, "countries": sorted(countries)})))


if __name__ == "__main__":
    main(sys.argv[1])
