"""The web page's look: the stylesheet, the theme and one small script. Strings and a theme
only, so they ship inside the package and the page loads nothing from elsewhere."""

from __future__ import annotations

from typing import Any

# --- the page script: on a phone a citation opens under its marker -----------------------

# The panel sits below the whole chat column on a narrow screen; a marker there shows a copy
# of its card inside the answer bubble instead of jumping far down (a second click closes it).
# The card's HTML was escaped server-side; its id is dropped so ids stay unique.
JS = """() => {
  document.addEventListener('click', (event) => {
    const marker = event.target.closest && event.target.closest('a.ijdqa-marker');
    if (!marker || window.innerWidth > 640) return;
    const card = document.getElementById(marker.getAttribute('href').slice(1));
    const bubble = marker.closest('.ijdqa-answer');
    if (!card || !bubble) return;
    event.preventDefault();
    let slot = bubble.querySelector('.ijdqa-inline');
    if (!slot) {
      slot = document.createElement('div');
      slot.className = 'ijdqa-inline';
      bubble.appendChild(slot);
    }
    const closing = slot.dataset.card === card.id;
    slot.innerHTML = closing ? '' : card.outerHTML.replace(/ id="[^"]*"/, '');
    slot.dataset.card = closing ? '' : card.id;
  });
}"""


# --- the stylesheet (a string, so it ships inside the package) ----------------------------


def theme() -> Any:
    """Gradio's default theme with bold at 700: its bundled semibold (600) face has only a
    few dozen glyphs, so 600 text mixed two fonts ("AB" of "ABOUT" in another face)."""
    import gradio as gr

    return gr.themes.Default().set(
        prose_header_text_weight="700",
        button_large_text_weight="700",
        button_medium_text_weight="700",
    )


CSS = """
.ijdqa-label { font-size: 0.8em; font-weight: 700; opacity: 0.8; margin-bottom: 0.25em; }
.ijdqa-answer .ijdqa-label { color: #1d6b3a; }
.ijdqa-refusal { border-left: 4px solid #d08b00; background: rgba(255, 183, 0, 0.12);
  padding: 0.4em 0.7em; border-radius: 4px; }
.ijdqa-refusal .ijdqa-label { color: #9a6200; }
.ijdqa-error { border-left: 4px solid #c0392b; background: rgba(192, 57, 43, 0.10);
  padding: 0.4em 0.7em; border-radius: 4px; }
.ijdqa-error .ijdqa-label { color: #c0392b; }
.ijdqa-pending .ijdqa-label { font-style: italic; }
.ijdqa-unchecked { opacity: 0.55; }
.ijdqa-note { font-size: 0.85em; opacity: 0.75; margin-top: 0.3em; }
.ijdqa-seealso-title { margin-top: 0.5em; font-weight: 700; }
.ijdqa-seealso { margin: 0.2em 0 0 1.2em; font-size: 0.9em; }
a.ijdqa-marker { display: inline-block; padding: 0 0.3em; margin: 0 0.1em; border-radius: 4px;
  background: rgba(37, 99, 235, 0.12); color: #1d4ed8; font-weight: 700;
  text-decoration: none; font-size: 0.85em; }
a.ijdqa-marker:hover { background: rgba(37, 99, 235, 0.25); }
#ijdqa-citations .ijdqa-panel { max-height: 640px; overflow-y: auto; }
.ijdqa-group > summary { cursor: pointer; font-weight: 700; margin: 0.3em 0; }
.ijdqa-cite { border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 6px;
  padding: 0.5em 0.7em; margin: 0.5em 0; scroll-margin-top: 1em; }
.ijdqa-cite:target, .ijdqa-cite.ijdqa-active { border-color: #2563eb;
  box-shadow: 0 0 0 2px rgba(37, 99, 235, 0.35); }
.ijdqa-cite-head { font-size: 0.9em; margin-bottom: 0.3em; }
.ijdqa-cite-n { font-weight: 700; color: #1d4ed8; }
.ijdqa-page { font-weight: 700; }
.ijdqa-kind { opacity: 0.7; }
.ijdqa-context { margin: 0.3em 0; padding-left: 0.6em; border-left: 3px solid rgba(128,128,128,0.4);
  font-size: 0.92em; line-height: 1.45; }
.ijdqa-context mark { background: #fde68a; color: inherit; padding: 0 0.1em; }
.ijdqa-fns { margin: 0.3em 0 0 1.1em; font-size: 0.88em; }
.ijdqa-fns li { margin: 0.15em 0; overflow-wrap: anywhere; }
.ijdqa-provenance { margin: 0.3em 0 0; font-size: 0.85em; font-style: italic; }
.ijdqa-fn { font-weight: 700; }
.ijdqa-nofn, .ijdqa-empty { font-size: 0.88em; opacity: 0.7; }
.ijdqa-page-view { max-width: 52em; line-height: 1.55; }
.ijdqa-pageno { font-size: 0.8em; font-weight: 700; opacity: 0.7; }
.ijdqa-caption { font-style: italic; opacity: 0.85; }
.ijdqa-fntext { opacity: 0.7; font-size: 0.9em; }
.ijdqa-page-view sup { margin: 0; padding: 0; line-height: 0; }
.ijdqa-page-view a.ijdqa-fnref { margin: 0 0 0 0.05em; padding: 0; }
.ijdqa-seealso-title, .ijdqa-seealso { font-size: 0.9em; }
.ijdqa-page-view li:target { background: rgba(253, 230, 138, 0.6); }
.prose strong, .prose b, .prose th, strong, b { font-weight: 700; }
.ijdqa-table { max-height: 720px; overflow: auto; }
.ijdqa-table table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.ijdqa-table th, .ijdqa-table td { border-bottom: 1px solid rgba(128,128,128,0.3);
  padding: 0.25em 0.5em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
/* a phone: the citations panel right under the chat, both sized to the screen */
@media (max-width: 640px) {
  #ijdqa-chat { height: 55vh !important; }
  #ijdqa-citations .ijdqa-panel { max-height: 45vh; }
  .ijdqa-cite { scroll-margin-top: 0.5em; }
}
"""
