// Elements that stick out of the viewport horizontally (WCAG 1.4.10 reflow), as
// "tag.class: left..right". Content the page clips on purpose inside a box that itself fits
// (the 90-day bar) and visually-hidden text are not overflow.
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const clippedInside = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (/(hidden|clip|auto|scroll)/.test(style.overflowX)) {
        const box = a.getBoundingClientRect();
        return box.left >= -0.5 && box.right <= width + 0.5;
      }
    }
    return false;
  };
  for (const e of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(e);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    if (r.right <= width + 0.5 && r.left >= -0.5) continue;
    if (e.closest(".md-sidebar--primary, .md-sidebar--secondary, .md-search")) continue;
    if (clippedInside(e)) continue;
    out.push(`${e.tagName.toLowerCase()}.${[...e.classList].join(".")}: ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  if (document.documentElement.scrollWidth > width) out.unshift(`scrollWidth ${document.documentElement.scrollWidth}`);
  return out;
}
