"""Step through backward: one frame per node, as graphs or an animated GIF."""
import io

from ..tensor import Tensor
from .draw import draw_graph
from .labels import _grad_of
from .recording import _recorded, topological_order


def backward_frames(root, **kwargs):
    """One DOT graph per step of backward: frame k highlights the k-th node backward runs
    (in backward's order) and shows every gradient known once it ran (a tensor's gradient is
    known when all its consumers have run); a last frame shows them all.

    Needs a graph built, and `backward()` run, inside `with autograd.viz.record():`.
    Every frame has the same layout (a gradient not known yet is drawn in its box's
    background colour), so frames line up.
    kwargs go to `draw_graph` (model=, names=, circuit=True, ...).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"backward_frames: root must be a Tensor, got {type(root).__name__}")
    if kwargs.get("view", "forward") != "forward":
        raise ValueError("backward_frames: the step-through draws the forward graph (boxes, or "
                         "circuit=True); leave out view=")
    if root.grad_fn is None:
        raise ValueError("backward_frames: root is a leaf; there is no backward to step through")
    order = topological_order(root.grad_fn)[:kwargs.get("max_nodes", 300)]
    if _grad_of(_recorded(order[0]) or root) is None:
        raise RuntimeError("backward_frames: no gradients were recorded; build the graph and call "
                           "backward() inside `with autograd.viz.record():`")
    frames = []
    for k, node in enumerate(order):
        frames.append(draw_graph(root, show_values=True, _step=(set(order[:k + 1]), node), **kwargs))
    frames.append(draw_graph(root, show_values=True, _step=(set(order), None), **kwargs))
    return frames


def animate_backward(root, path, duration=900, dpi=72, **kwargs):
    """Write backward as an animated GIF (one frame per node, see `backward_frames`).

    Returns the number of frames. Needs graphviz's `dot` and Pillow (matplotlib's dependency).
    """
    from PIL import Image

    frames = backward_frames(root, **kwargs)
    images = []
    for frame in frames:
        frame.attr(dpi=str(dpi), bgcolor="white")
        images.append(Image.open(io.BytesIO(frame.pipe(format="png"))).convert("RGB"))
    width = max(i.width for i in images)
    height = max(i.height for i in images)
    padded = []
    for image in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(image, (0, 0))
        padded.append(canvas)
    # the last frame (everything computed) stays up longer
    durations = [duration] * (len(padded) - 1) + [duration * 3]
    padded[0].save(path, save_all=True, append_images=padded[1:], duration=durations, loop=0,
                   optimize=False, disposal=1)
    return len(padded)
