'use strict';
function create() {
  const exact = new Map();
  const prefixes = [];
  return {
    add(p, fn) { exact.set(p, fn); },
    prefix(p, fn) { prefixes.push([p, fn]); },
    handle(req, res) {
      const url = new URL(req.url, 'http://localhost');
      if (exact.has(url.pathname)) return exact.get(url.pathname)(req, res);
      for (const [p, fn] of prefixes) {
        if (url.pathname.startsWith(p)) return fn(req, res, url.pathname.slice(p.length));
      }
      return text(res, 404, 'not found\n');
    },
  };
}
function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}
const text = (res, s, b) => send(res, s, 'text/plain; charset=utf-8', b);
const html = (res, s, b) => send(res, s, 'text/html; charset=utf-8', b);
const json = (res, s, o) => send(res, s, 'application/json', JSON.stringify(o, null, 1) + '\n');
module.exports = { create, text, html, json };
