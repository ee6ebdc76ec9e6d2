// Strings: i18n/zh.json (default, 简体中文) and i18n/en.json. t('key', {n: 3}) fills {n}.
// A missing English string falls back to Chinese, a missing Chinese one to the key itself.
const LANG_KEY = 'gongjian.lang';
let strings = {};
let fallback = {};
let lang = 'zh';

export function currentLang() { return lang; }

export async function loadLang(wanted) {
  lang = wanted === 'en' ? 'en' : 'zh';
  localStorage.setItem(LANG_KEY, lang);
  const base = new URL('../i18n/', import.meta.url);
  const fetchJson = async (l) => (await fetch(new URL(l + '.json', base))).json();
  fallback = await fetchJson('zh');
  strings = lang === 'zh' ? fallback : await fetchJson('en');
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  applyStatic(document);
}

export function savedLang() { return localStorage.getItem(LANG_KEY) || 'zh'; }

export function t(key, params) {
  let s = strings[key] ?? fallback[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

// Has a string for the key (for enum names that may be unknown).
export function has(key) { return key in strings || key in fallback; }

export function tEnum(prefix, value) {
  const key = prefix + '.' + value;
  return has(key) ? t(key) : String(value);
}

// Elements with data-i18n="key" get their text; data-i18n-title / -placeholder / -aria their attributes.
export function applyStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}
