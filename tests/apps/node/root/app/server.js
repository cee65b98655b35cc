'use strict';
// An inventory server: JSON from /app/data read per request, an HTML view,
// and a report module loaded the first time someone asks for a report.
const http = require('http');
const fs = require('fs');
const path = require('path');
const router = require('./lib/router');

const DATA = path.join(__dirname, 'data');

function readJson(name) {
  return JSON.parse(fs.readFileSync(path.join(DATA, name), 'utf8'));
}

const routes = router.create();
routes.add('/health', (req, res) => router.text(res, 200, 'ok\n'));
routes.add('/', (req, res) => {
  const view = fs.readFileSync(path.join(__dirname, 'views', 'index.html'), 'utf8');
  const items = readJson('items.json');
  router.html(res, 200, view.replace('{{count}}', String(items.length)));
});
routes.add('/items', (req, res) => router.json(res, 200, readJson('items.json')));
routes.prefix('/items/', (req, res, rest) => {
  const item = readJson('items.json').find((i) => String(i.id) === rest);
  if (!item) return router.text(res, 404, 'no such item\n');
  return router.json(res, 200, item);
});
routes.add('/report', (req, res) => {
  const report = require('./lib/report');            // lazy, as in many servers
  router.text(res, 200, report.render(readJson('items.json'), readJson('warehouses.json')));
});
routes.add('/report.csv', (req, res) => {
  const report = require('./lib/report');
  router.text(res, 200, report.csv(readJson('items.json')));
});

http.createServer((req, res) => routes.handle(req, res)).listen(18140, '127.0.0.1');
