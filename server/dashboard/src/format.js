// Number, date and colour formatting shared by the views.
import { currentLang, t } from './i18n.js';
import { isRate } from './api.js';

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function locale() { return currentLang() === 'zh' ? 'zh-CN' : 'en-GB'; }

// A normalized value ({value, defined}) of an indicator, for display.
export function fmtValue(indicator, v) {
  if (!v || !v.defined || v.value === null) return '—';
  if (isRate(indicator)) return (v.value * 100).toFixed(1) + '%';
  return Math.round(v.value).toLocaleString(locale());
}

export function fmtPlain(indicator, x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (isRate(indicator)) return (x * 100).toFixed(1) + '%';
  return Math.round(x).toLocaleString(locale());
}

// Difference now - then: percentage points for rates, a count otherwise.
export function fmtDelta(indicator, now, then) {
  if (!now || !then || !now.defined || !then.defined) return '';
  const d = now.value - then.value;
  if (isRate(indicator)) {
    const pp = d * 100;
    if (Math.abs(pp) < 0.05) return '±0 ' + t('unit.pp');
    return (pp > 0 ? '+' : '−') + Math.abs(pp).toFixed(1) + ' ' + t('unit.pp');
  }
  if (d === 0) return '±0';
  return (d > 0 ? '+' : '−') + Math.abs(Math.round(d)).toLocaleString(locale());
}

export function deltaClass(indicator, now, then) {
  if (!now || !then || !now.defined || !then.defined) return '';
  const d = now.value - then.value;
  if (Math.abs(d) < 1e-12) return 'flat';
  const good = indicator === 'should_form_not_formed' ? d < 0 : d > 0;
  return good ? 'good' : 'bad';
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  // China time, as the campaign's records are kept.
  return d.toLocaleString(locale(), { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function fmtInt(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString(locale()); }

// The map's colour scale, light to deep (higher is better), shared by the ECharts visualMap and
// the tiles below province level.
export const SCALE = ['#fff5e6', '#fdd49e', '#fc8d59', '#e34a33', '#b30000'];
export const NO_DATA = '#e6e6e6';

function hexToRgb(h) { const n = parseInt(h.slice(1), 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; }

export function colourFor(x, min, max, invert = false) {
  if (x === null || x === undefined || Number.isNaN(x)) return NO_DATA;
  let f = max > min ? (x - min) / (max - min) : 1;
  if (invert) f = 1 - f;
  f = Math.min(1, Math.max(0, f)) * (SCALE.length - 1);
  const i = Math.min(SCALE.length - 2, Math.floor(f));
  const a = hexToRgb(SCALE[i]), b = hexToRgb(SCALE[i + 1]), u = f - i;
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * u));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

// Readable text on a background from the scale.
export function textOn(x, min, max, invert = false) {
  if (x === null || x === undefined) return '#333';
  let f = max > min ? (x - min) / (max - min) : 1;
  if (invert) f = 1 - f;
  return f > 0.55 ? '#fff' : '#222';
}
