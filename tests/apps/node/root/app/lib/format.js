'use strict';
const fmt = new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' });
module.exports = { money: (v) => fmt.format(v) };
