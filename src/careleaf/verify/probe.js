// Runs in the page (`careleaf.verify.prover`): for each wanted element, what a reader gets
// from it. Only facts come back (and the failed properties that need no threshold); the
// verdict stays in Python.
({items, minFont}) => {
  // Make every element hit-testable, so that an overlay with pointer-events: none is seen.
  // A constructed stylesheet, not a <style> element: the page's Content-Security-Policy
  // blocks an inline <style> (silently, for this check), never a constructed sheet.
  const probeStyle = new CSSStyleSheet();
  probeStyle.replaceSync('*, *::before, *::after { pointer-events: auto !important; }');
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, probeStyle];
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, below) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]);
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  // The colour behind an element: its own and its ancestors' backgrounds, composited over
  // the canvas (white). A background image cannot be proven to leave the text readable.
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.backgroundImage !== 'none') return {image: name(n)};
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return {colour};
  };
  const opacity = (el) => {
    let o = 1;
    for (let n = el; n; n = n.parentElement) o *= Number(getComputedStyle(n).opacity);
    return o;
  };
  // The text as rendered: generated content included, hidden parts left out.
  const generated = (el, pseudo) => {
    const s = getComputedStyle(el, pseudo);
    if (!s.content || s.content === 'none' || s.content === 'normal') return '';
    if (s.display === 'none') return '';
    let out = '';
    const re = new RegExp([/"((?:[^"\\]|\\.)*)"/, /'((?:[^'\\]|\\.)*)'/,
                           /attr\(\s*([\w-]+)\s*\)/, /(counters?\([^)]*\))/]
                          .map(r => r.source).join('|'), 'g');
    let m;
    while ((m = re.exec(s.content))) {
      if (m[1] !== undefined || m[2] !== undefined) {
        out += (m[1] ?? m[2]).replace(/\\([0-9a-fA-F]{1,6})\s?/g,
          (_, h) => String.fromCodePoint(parseInt(h, 16))).replace(/\\(.)/g, '$1');
      } else if (m[3]) out += el.getAttribute(m[3]) || '';
      else out += '\u0000' + m[4];
    }
    return out;
  };
  const rendered = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    if (node.nodeType !== Node.ELEMENT_NODE) return '';
    const s = getComputedStyle(node);
    if (s.display === 'none') return '';
    if (!node.checkVisibility({opacityProperty: true, visibilityProperty: true})) {
      return '';
    }
    let out = generated(node, '::before');
    for (const child of node.childNodes) out += rendered(child);
    out += generated(node, '::after');
    const block = !s.display.startsWith('inline') && s.display !== 'contents';
    return block ? ' ' + out + ' ' : out;
  };
  const textRects = (el) => {
    const out = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!t.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(t);
      for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) out.push([t, r]);
    }
    return out;
  };
  // Whether an element (or one of its pseudo-elements) paints a box that hides what is below.
  const paints = (el, pseudo) => {
    const s = getComputedStyle(el, pseudo);
    if (pseudo && (s.content === 'none' || s.content === 'normal')) return false;
    const bg = parse(s.backgroundColor);
    return ((bg && bg[3] > 0) || s.backgroundImage !== 'none') && Number(s.opacity) > 0;
  };
  const REPLACED = ['IMG', 'SVG', 'CANVAS', 'VIDEO', 'IFRAME', 'OBJECT', 'EMBED'];
  const result = {};
  for (const {key, selector} of items) {
    const fact = {found: false, failures: [], contrasts: [], text: ''};
    result[key] = fact;
    const found = document.querySelectorAll(selector);
    if (found.length === 0) { fact.failures.push('not in the page (DOM)'); continue; }
    // More than one is the static check's verdict (duplicated); the first is proven here.
    const el = found[0];
    fact.found = true;
    fact.text = rendered(el);
    const closedDetails = el.closest('details:not([open])');
    if (closedDetails && !el.closest('summary')) fact.failures.push('inside a closed <details>');
    const dialog = el.closest('dialog');
    if (dialog && !dialog.open) fact.failures.push('inside a closed <dialog>');
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true,
                             contentVisibilityAuto: true})) {
      fact.failures.push('not visible (checkVisibility: display, visibility or opacity)');
    }
    const ariaHidden = el.closest('[aria-hidden="true"], [inert]');
    if (ariaHidden) fact.failures.push(`hidden from assistive technology by ${name(ariaHidden)}`);
    for (let n = el; n; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.clipPath !== 'none') {
        fact.failures.push(`clipped by clip-path on ${name(n)}`); break;
      }
      if (s.filter !== 'none') { fact.failures.push(`filter "${s.filter}" on ${name(n)}`); break; }
      if (s.clip && s.clip !== 'auto' && s.position === 'absolute') {
        fact.failures.push(`clipped by clip on ${name(n)}`); break;
      }
    }
    const box = el.getBoundingClientRect();
    const docW = document.documentElement.scrollWidth, docH = document.documentElement.scrollHeight;
    const left = box.left + scrollX, top = box.top + scrollY;
    if (box.width < 1 || box.height < 1) {
      fact.failures.push(`empty box (${box.width.toFixed(1)} x ${box.height.toFixed(1)} px)`);
    } else if (left < 0 || top < 0 || left + box.width > docW + 1 || top + box.height > docH + 1) {
      fact.failures.push(
        `its box is outside the document (at ${left.toFixed(0)}, ${top.toFixed(0)})`);
    }
    // The scale transforms give it: the box as drawn against the box as laid out.
    const scale = el.offsetHeight > 0 ? box.height / el.offsetHeight : 1;
    const rects = textRects(el);
    if (!rects.length && !fact.failures.length) fact.failures.push('no text drawn');
    const seenStyles = new Set();
    let smallest = Infinity, coverName = null, clipName = null;
    for (let k = 0; k < rects.length; k++) {
      // Measured afresh: hit-testing may have scrolled the page since.
      const [textNode, r] = textRects(el)[k] || rects[k];
      const parent = textNode.parentElement;
      if (!seenStyles.has(parent)) {
        seenStyles.add(parent);
        const s = getComputedStyle(parent);
        smallest = Math.min(smallest, parseFloat(s.fontSize) * scale);
        let fg = parse(s.webkitTextFillColor) || parse(s.color) || [0, 0, 0, 1];
        const back = background(parent);
        if (back.image) {
          fact.contrasts.push([0, `text on a background image (${back.image})`]);
        } else {
          fg = [fg[0], fg[1], fg[2], fg[3] * opacity(parent)];
          const shown = over(fg, back.colour);
          const [a, b] = [lum(shown), lum(back.colour)];
          fact.contrasts.push([(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), name(parent)]);
        }
      }
      // Clipped by an ancestor's overflow: the visible part of the text box shrinks.
      for (let n = parent; n && n !== document.documentElement && !clipName; n = n.parentElement) {
        const s = getComputedStyle(n);
        if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
        const c = n.getBoundingClientRect();
        if (r.left < c.left - 1 || r.right > c.right + 1 || r.top < c.top - 1 ||
            r.bottom > c.bottom + 1) {
          if (n.scrollHeight > n.clientHeight + 1 || n.scrollWidth > n.clientWidth + 1) {
            if (s.overflowY !== 'hidden' && s.overflowY !== 'clip' && s.overflowX !== 'hidden' &&
                s.overflowX !== 'clip') continue;  // the reader can scroll to it
          }
          clipName = name(n);
        }
      }
      // Covered: hit-test points across each line of text.
      if (!coverName) {
        let q = r;
        // Hit-testing sees only the viewport; mid-viewport, no sticky header or footer is on it.
        if (r.top < innerHeight * 0.25 || r.bottom > innerHeight * 0.75) {
          window.scrollTo(0, Math.max(0, r.top + scrollY - innerHeight / 2));
          const moved = textRects(el)[k];
          q = moved ? moved[1] : r;
        }
        for (const fx of [0.1, 0.3, 0.5, 0.7, 0.9]) {
          const x = q.left + q.width * fx, y = q.top + q.height / 2;
          if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
          const stack = document.elementsFromPoint(x, y);
          for (const top of stack) {
            if (top === parent || parent.contains(top)) break;
            if (top.contains(parent)) {
              // An ancestor hit above its own text: one of its pseudo-elements lies on top.
              const pseudo = ['::before', '::after'].find(p => paints(top, p));
              if (pseudo) { coverName = name(top) + pseudo; break; }
              continue;
            }
            const s = getComputedStyle(top);
            const drawn = paints(top, null) || REPLACED.includes(top.tagName.toUpperCase()) ||
              [...top.childNodes].some(c => c.nodeType === 3 && c.data.trim());
            if (drawn && Number(s.opacity) > 0) { coverName = name(top); break; }
          }
          if (coverName) break;
        }
      }
    }
    if (clipName) fact.failures.push(`clipped by the overflow of ${clipName}`);
    if (coverName) fact.failures.push(`covered by ${coverName}`);
    if (smallest < minFont) {
      fact.failures.push(`font size ${smallest.toFixed(1)} px as drawn (at least ${minFont} px)`);
    }
  }
  document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== probeStyle);
  window.scrollTo(0, 0);
  return result;
}
