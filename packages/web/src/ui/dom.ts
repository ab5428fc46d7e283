/**
 * The few DOM helpers the pages share. No framework: each page is a small script over static HTML, and
 * everything is built with textContent and createElement, never innerHTML, so text from the server (names
 * of people and organizations) cannot become markup.
 */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

export function show(el: HTMLElement, visible = true): void {
  el.hidden = !visible;
}

/** Writes a message into a status region (role=status or role=alert in the HTML), or clears it. */
export function say(el: HTMLElement, message: string, kind: 'info' | 'ok' | 'error' = 'info'): void {
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = message === '';
  // the account page is long and has one status region at the top: an error below the fold would go unseen
  if (message && kind !== 'info') el.scrollIntoView({ block: 'nearest' });
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { text?: string; className?: string; attrs?: Record<string, string> } = {}, children: Node[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className) node.className = props.className;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** Disables a form's controls while `work` runs, so a double click sends nothing twice. */
export async function busy<T>(form: HTMLFormElement | HTMLElement, work: () => Promise<T>): Promise<T> {
  const controls = [...form.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input, textarea, select')];
  const was = controls.map((c) => c.disabled);
  // disabling the focused button drops focus to <body>; keyboard users get it back where they were
  const focused = document.activeElement;
  controls.forEach((c) => (c.disabled = true));
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    controls.forEach((c, i) => (c.disabled = was[i]!));
    form.removeAttribute('aria-busy');
    if (focused instanceof HTMLElement && focused.isConnected && (document.activeElement === document.body || document.activeElement === null)) focused.focus();
  }
}

/** The error's message for people: the server's own for API errors, else a plain sentence. */
export function messageOf(err: unknown): string {
  return err instanceof Error && err.message ? err.message : 'Something went wrong. Try again.';
}

/** Marks the page ready (tests wait for it) once its script has set everything up. */
export function ready(): void {
  document.body.dataset.ready = '1';
}

/**
 * Where to go after signing in: only a path of this web app (`/app/…`), never another origin, so a
 * crafted link cannot send a fresh session elsewhere.
 */
export function safeNext(raw: string | null, fallback = '/app/'): string {
  if (!raw) return fallback;
  try {
    const url = new URL(raw, location.origin);
    if (url.origin !== location.origin || !url.pathname.startsWith('/app/')) return fallback;
    return url.pathname + url.search;
  } catch {
    return fallback;
  }
}

export function formValue(form: HTMLFormElement, name: string): string {
  const field = form.elements.namedItem(name);
  return field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement ? field.value : '';
}

/**
 * Someone else's text (an organization's or a person's name) for display, as the invitation email shows
 * it: control characters such as line breaks become spaces, and format characters (right-to-left
 * overrides, zero-width joiners) go, so a name can neither fake a second line nor reverse the text after
 * it (which would show a made-up "from" address). Callers also put it in a <bdi> (`nameEl`).
 */
export function plainText(text: string): string {
  return text.replace(/[\p{Cf}]+/gu, '').replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').replace(/\s+/g, ' ').trim();
}

/** A name of someone else's, cleaned and isolated from the text around it. */
export function nameEl(text: string, className = 'quoted'): HTMLElement {
  return el('bdi', { className, text: `“${plainText(text)}”` });
}
