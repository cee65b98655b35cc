"""A small Flask shop: JSON endpoints, templates with inheritance and a
custom error page, data read from /app/data at request time."""
import json
import os

from flask import Flask, abort, jsonify, render_template, request

HERE = os.path.dirname(os.path.abspath(__file__))
app = Flask(__name__)


def load_items():
    with open(os.path.join(HERE, "data", "items.json"), encoding="utf-8") as fh:
        return json.load(fh)


@app.route("/health")
def health():
    return "ok\n"


@app.route("/api/items")
def api_items():
    return jsonify(load_items())


@app.route("/")
def index():
    return render_template("index.html", items=load_items())


@app.route("/items/<int:item_id>")
def item(item_id):
    found = [i for i in load_items() if i["id"] == item_id]
    if not found:
        abort(404)
    return render_template("item.html", item=found[0])


@app.route("/report")
def report():
    # imported on first use only, as real applications do
    import csv
    import io
    import statistics
    from decimal import Decimal

    items = load_items()
    prices = [Decimal(str(i["price"])) for i in items]
    out = io.StringIO()
    writer = csv.writer(out)
    for i in items:
        writer.writerow([i["id"], i["name"], i["price"]])
    return render_template("report.html", total=sum(prices), mean=statistics.mean(prices),
                           median=statistics.median(prices), csv_text=out.getvalue(),
                           currency=request.args.get("currency", "EUR"))


@app.route("/broken")
def broken():
    return render_template("broken.html")


@app.errorhandler(404)
def not_found(error):
    return render_template("404.html", path=request.path), 404


@app.errorhandler(500)
def server_error(error):
    cause = getattr(error, "original_exception", error)
    return f"error page: {type(cause).__name__}\n", 500


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=18120)
