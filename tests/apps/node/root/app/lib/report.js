'use strict';
const table = require('tiny-table');
const { money } = require('./format');

function render(items, warehouses) {
  const byPlace = new Map(warehouses.map((w) => [w.id, w.name]));
  const rows = items.map((i) => [i.name, byPlace.get(i.warehouse) || '?', money(i.price)]);
  const total = items.reduce((s, i) => s + i.price, 0);
  return table.render(['item', 'warehouse', 'price'], rows) + `\ntotal ${money(total)}\n`;
}
function csv(items) {
  return ['id,name,price', ...items.map((i) => `${i.id},${i.name},${i.price}`)].join('\n') + '\n';
}
module.exports = { render, csv };
