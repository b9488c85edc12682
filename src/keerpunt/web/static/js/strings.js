// The page's texts, translated on the server and handed over as a JSON block.
const strings = JSON.parse(document.getElementById("strings").textContent);
export const config = JSON.parse(document.getElementById("config").textContent);

export function t(key, values = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
