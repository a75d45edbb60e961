"""Layout checks of a drawn figure: every text inside the canvas and clear of every other text,
and every line a legend names drawn where it can be seen."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.colors import to_rgba
from matplotlib.container import Container
from matplotlib.lines import Line2D
from matplotlib.text import Text

TOLERANCE_PX = 1.0  # at the figure's dpi: anti-aliasing, not layout


def _agg(fig) -> None:
    """Draws `fig` with Agg (a closed figure has lost its pyplot canvas)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)


def _drawn_texts(fig) -> list[Text]:
    """The texts a draw of `fig` really draws (visible, not empty), in drawing order."""
    drawn = []
    original = Text.draw

    def draw(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return original(self, renderer)

    Text.draw = draw
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    return list(dict.fromkeys(drawn))


def _name(text: Text) -> str:
    return repr(text.get_text().replace("\n", " ")[:60])


def text_problems(fig) -> list[str]:
    """Texts whose bounding box leaves the canvas or overlaps another text's."""
    _agg(fig)
    texts = _drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    width, height = fig.canvas.get_width_height()
    tol = TOLERANCE_PX
    out = []
    for t, b in zip(texts, boxes, strict=True):
        if b.x0 < -tol or b.y0 < -tol or b.x1 > width + tol or b.y1 > height + tol:
            out.append(f"text {_name(t)} leaves the canvas: {b.bounds} vs {width}x{height} px")
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = boxes[i], boxes[j]
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > tol and dy > tol:
                out.append(f"texts {_name(texts[i])} and {_name(texts[j])} overlap")
    return out


def _has_data(artist) -> bool:
    if isinstance(artist, Line2D):
        x, y = artist.get_data()
        return np.size(x) > 0 and np.size(y) > 0
    if isinstance(artist, Collection):
        return len(artist.get_paths()) > 0 or len(artist.get_offsets()) > 0
    return True


def _parts(artist) -> list:
    """The drawn artists of a legend handle (a container's children, or the artist itself)."""
    if isinstance(artist, Container):
        return [a for a in artist.get_children() if a is not None]
    return [artist]


def _dashed(style) -> bool:
    if isinstance(style, str):
        return style not in ("-", "solid")
    return any(dashes is not None and len(dashes) > 0 for _, dashes in style)


def _grey(rgba) -> bool:
    """A neutral grey (not black or white): the colour of a key that shows a line style only,
    while the lines it stands for carry their own colours."""
    r, g, b, _ = rgba
    return r == g == b and 0.0 < r < 1.0


def _matches(proxy: Line2D, artist) -> bool:
    """Whether `artist` (with data) is drawn in the style of the empty legend key `proxy`."""
    colour = to_rgba(proxy.get_color())
    any_colour = _grey(colour)
    if isinstance(artist, Line2D):
        same_colour = any_colour or np.allclose(to_rgba(artist.get_color()), colour)
        # a key of markers only (no line) stands for those markers, whatever joins them
        marker_only = proxy.get_linestyle() == "None"
        return (
            same_colour
            and (marker_only or artist.get_linestyle() == proxy.get_linestyle())
            and artist.get_marker() == proxy.get_marker()
        )
    if isinstance(artist, Collection) and proxy.get_linestyle() not in ("None", ""):
        edges = artist.get_edgecolor()
        if len(edges) == 0:
            return False
        same_colour = any_colour or any(np.allclose(e, colour) for e in edges)
        return same_colour and _dashed(artist.get_linestyle()) == _dashed(proxy.get_linestyle())
    return False


def _legend_entries(fig):
    """(label, the figure's artists it stands for) per legend entry of `fig`."""
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    legends += list(fig.legends)
    artists = [a for ax in fig.axes for a in ax.get_children()]
    containers = [c for ax in fig.axes for c in ax.containers]
    for legend in legends:
        for text in legend.get_texts():
            label = text.get_text()
            named = [a for a in artists + containers if a.get_label() == label]
            parts = [p for a in named for p in _parts(a) if _has_data(p)]
            if not parts:  # an empty key: the lines drawn in its style
                keys = [a for a in named if isinstance(a, Line2D)]
                parts = [
                    a
                    for a in artists
                    if _has_data(a) and any(_matches(k, a) for k in keys) and a not in named
                ]
            yield label, parts


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def legend_problems(fig) -> list[str]:
    """Legend entries none of whose lines is drawn where it can be seen: hiding them leaves
    the rendered image unchanged (no data, data outside the axes' limits, or fully covered)."""
    _agg(fig)
    _pixels(fig)  # the layout engine places everything on a draw ...
    fig.set_layout_engine("none")  # ... then it stays: hiding a line must not move the rest
    before = _pixels(fig)
    out = []
    for label, parts in _legend_entries(fig):
        if not parts:
            out.append(f"legend entry {label!r} names nothing drawn")
            continue
        shown = [p.get_visible() for p in parts]
        for p in parts:
            p.set_visible(False)
        unchanged = np.array_equal(_pixels(fig), before)
        for p, v in zip(parts, shown, strict=True):
            p.set_visible(v)
        if unchanged:
            out.append(f"legend entry {label!r} is not visible (hiding it changes nothing)")
    return out


def problems(fig) -> list[str]:
    """Every layout problem of `fig`: texts off the canvas or overlapping, legend entries not
    drawn. Call it on a finished figure (it draws it, and leaves its layout fixed)."""
    return text_problems(fig) + legend_problems(fig)
