"""L-BFGS with PyTorch's closure API and its optional strong-Wolfe line search.

All parameters are treated as one flat vector x (the concatenation of their raveled
data); the loops below run over iterations and the stored history, never over elements.
"""
import math

import numpy as np

import autograd

from .optimizer import NONNEGATIVE, POSITIVE, Optimizer, choice, integer

__all__ = ["LBFGS"]


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, f1'=g1) and (x2, f2, g2), clipped to ``bounds``
    (default: between x1 and x2); the bounds' midpoint when the cubic has no minimum."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        minimum = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        minimum = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(minimum, low), high)


def _strong_wolfe(evaluate, t, d, loss, grad, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along d from step t satisfying the strong Wolfe conditions (Nocedal &
    Wright, algorithms 3.5 and 3.6: bracket, then zoom with cubic interpolation).
    ``evaluate(t)`` returns (loss, flat gradient) at x + t d. Returns (loss, grad, t, evaluations)."""
    d_norm = float(np.abs(d).max())
    new_loss, new_grad = evaluate(t)
    evaluations, iteration, done = 1, 0, False
    new_gtd = float(new_grad @ d)
    prev_t, prev_loss, prev_grad, prev_gtd = 0, loss, grad, gtd
    bracket = None
    while iteration < max_ls:                       # bracketing phase
        if new_loss > loss + c1 * t * gtd or (iteration > 1 and new_loss >= prev_loss):
            bracket = [[prev_t, prev_loss, prev_grad, prev_gtd], [t, new_loss, new_grad, new_gtd]]
            break
        if abs(new_gtd) <= -c2 * gtd:
            bracket, done = [[t, new_loss, new_grad, new_gtd]], True
            break
        if new_gtd >= 0:
            bracket = [[prev_t, prev_loss, prev_grad, prev_gtd], [t, new_loss, new_grad, new_gtd]]
            break
        next_t = _cubic_minimum(prev_t, prev_loss, prev_gtd, t, new_loss, new_gtd,
                                bounds=(t + 0.01 * (t - prev_t), t * 10))
        prev_t, prev_loss, prev_grad, prev_gtd = t, new_loss, new_grad, new_gtd
        t = next_t
        new_loss, new_grad = evaluate(t)
        new_gtd = float(new_grad @ d)
        evaluations += 1
        iteration += 1
    if iteration == max_ls:
        bracket = [[0, loss, grad, None], [t, new_loss, new_grad, None]]
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    insufficient_progress = False
    while not done and iteration < max_ls:          # zoom phase
        (t0, f0, _, g0), (t1, f1, _, g1) = bracket
        if abs(t1 - t0) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(t0, f0, g0, t1, f1, g1)
        top, bottom = max(t0, t1), min(t0, t1)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:          # too close to an end: move inwards
            if insufficient_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        new_loss, new_grad = evaluate(t)
        new_gtd = float(new_grad @ d)
        evaluations += 1
        iteration += 1
        if new_loss > loss + c1 * t * gtd or new_loss >= bracket[low][1]:
            bracket[high] = [t, new_loss, new_grad, new_gtd]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(new_gtd) <= -c2 * gtd:
                done = True
            elif new_gtd * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = [t, new_loss, new_grad, new_gtd]
    t, new_loss, new_grad, _ = bracket[low]
    return new_loss, new_grad, t, evaluations


class LBFGS(Optimizer):
    """Limited-memory BFGS (Nocedal & Wright, algorithm 7.4), PyTorch's variant. `step(closure)`
    runs up to max_iter iterations; ``closure`` clears the gradients, computes the loss,
    calls backward and returns the loss. One parameter group only.

    d = -H g by the two-loop recursion over the last history_size pairs (s, y) with
    y.s > 1e-10, H_0 = y.s / y.y;  the first step is t = min(1, 1 / |g|_1) * lr, later t = lr,
    or a strong-Wolfe line search (line_search_fn="strong_wolfe"). It stops at |g|_max <=
    tolerance_grad, |t d|_max or the loss change <= tolerance_change, max_iter or max_eval.
    """

    hyperparameters = dict(lr=NONNEGATIVE, max_iter=integer(POSITIVE), max_eval=integer(POSITIVE, True),
                           tolerance_grad=NONNEGATIVE, tolerance_change=NONNEGATIVE,
                           history_size=integer(POSITIVE), line_search_fn=choice(None, "strong_wolfe"))
    _history = ("old_dirs", "old_stps")

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None and not isinstance(max_iter, bool) and isinstance(max_iter, int):
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ----- the flat vector ------------------------------------------------------------
    def _flat_grad(self):
        return np.concatenate([np.zeros(p.data.size, p.dtype) if p.grad is None else p.grad.data.ravel()
                               for p in self.param_groups[0]["params"]])

    def _move(self, t, d):
        """x = x + t d, in place."""
        offset = 0
        for p in self.param_groups[0]["params"]:
            p.data += t * d[offset:offset + p.data.size].reshape(p.shape)
            p._version.value += 1
            offset += p.data.size

    def _evaluate(self, closure):
        with autograd.enable_grad():
            loss = closure()
        return loss, float(loss)

    def step(self, closure=None):
        """Run L-BFGS iterations on ``closure`` (required); returns its first loss."""
        if not callable(closure):
            raise TypeError(f"LBFGS.step: closure must be a callable that re-evaluates the model "
                            f"and returns the loss, got {type(closure).__name__}")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(group["params"][0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        first_loss, loss = self._evaluate(closure)
        evaluations = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return first_loss
        d, t, prev_flat_grad = state.get("d"), state.get("t"), state.get("prev_flat_grad")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_loss = state.get("H_diag"), state.get("prev_loss")
        iteration = 0
        while iteration < max_iter:
            iteration += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1
            else:
                d, h_diag = self._direction(flat_grad, prev_flat_grad, d * t, old_dirs, old_stps, ro,
                                            h_diag, group["history_size"])
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad @ d
            if gtd > -tolerance_change:
                break
            line_evaluations = 0
            if group["line_search_fn"] == "strong_wolfe":
                start = [p.data.copy() for p in group["params"]]

                def evaluate(step):
                    self._move(step, d)
                    value = self._evaluate(closure)[1]
                    grad = self._flat_grad()
                    for p, data in zip(group["params"], start):
                        p.data[...] = data
                    return value, grad

                loss, flat_grad, t, line_evaluations = _strong_wolfe(
                    evaluate, t, d, loss, flat_grad, float(gtd), max_ls=max_eval - evaluations)
                self._move(t, d)
                converged = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._move(t, d)
                converged = False
                if iteration != max_iter:
                    loss = self._evaluate(closure)[1]
                    flat_grad = self._flat_grad()
                    converged = np.abs(flat_grad).max() <= tolerance_grad
                    line_evaluations = 1
            evaluations += line_evaluations
            state["func_evals"] += line_evaluations
            if (iteration == max_iter or evaluations >= max_eval or converged
                    or np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change):
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return first_loss

    @staticmethod
    def _direction(flat_grad, prev_flat_grad, s, old_dirs, old_stps, ro, h_diag, history_size):
        """Update the history with (s, y) when y.s > 1e-10, then d = -H g by the two-loop
        recursion. Returns (d, H_0's scale)."""
        y = flat_grad - prev_flat_grad
        ys = y @ s
        if ys > 1e-10:
            if len(old_dirs) == history_size:
                del old_dirs[0], old_stps[0], ro[0]
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            h_diag = ys / (y @ y)
        q = -flat_grad
        alphas = [None] * len(old_dirs)
        for i in reversed(range(len(old_dirs))):
            alphas[i] = (old_stps[i] @ q) * ro[i]
            q = q - alphas[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            beta = (old_dirs[i] @ r) * ro[i]
            r = r + (alphas[i] - beta) * old_stps[i]
        return r, h_diag

    # ----- state dict: the history lists are saved as (k, n) arrays -------------------
    def _saved_state(self, p):
        saved = {}
        for name, value in self.state.get(p, {}).items():
            if name in self._history:
                value = np.stack(value) if value else np.zeros((0, self._flat_grad().size))
            saved[name] = np.array(value, copy=True)
        return saved

    def _check_saved_state(self, i, name, value, param):
        size = sum(p.data.size for p in self.param_groups[0]["params"])
        if name in ("d", "prev_flat_grad", *self._history) and value.shape[-1:] != (size,):
            raise ValueError(f"LBFGS.load_state_dict: state {name!r} has shape {value.shape}, the "
                             f"parameters have {size} elements")

    def _restored_state(self, param, state):
        restored = {}
        for name, value in state.items():
            if name in ("func_evals", "n_iter"):
                restored[name] = int(value)
            elif name in self._history:
                restored[name] = [row.astype(param.dtype) for row in value]
            elif name == "ro":
                restored[name] = [param.dtype.type(v) for v in value]
            elif value.ndim == 0:
                restored[name] = float(value) if name == "prev_loss" else param.dtype.type(value)
            else:
                restored[name] = value.astype(param.dtype, copy=True)
        return restored
