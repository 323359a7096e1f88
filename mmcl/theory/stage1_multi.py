"""Multi-modal stage 1 (Appendix D.1): the lemma checks of Lemmas 5.3, D.1–D.4, D.8, D.9 and 5.4.

The lemmas about the random initialisation alone (D.5–D.7, D.10) are Monte Carlo checks in
:mod:`mmcl.theory.init_multi`; the quantities read from a trajectory (``U_±``, ``A``, ``Ψ``, ``B_{r,s,s'}``, the
synchronisation times, ``T₁``) are in :mod:`mmcl.theory.stage1`. Each ``lemma_*`` function returns a
:class:`~mmcl.theory.verdicts.Check` (or a list of them, one per part). Stage-1 statements are claimed for
``0 ≤ t ≤ T₁`` with the ``T₁`` of Lemma 5.4 (:func:`~mmcl.theory.stage1.stage1_end`); where one fails, the check also
reports the first epoch at which it fails. Conventions for order symbols (ours, stated in the book): ``Ω(1)`` is read
as ``≥ 1``; ``Õ(·)`` statements are judged against the explicit bound that the paper's own proof derives.
"""

from __future__ import annotations

import math

import numpy as np

from . import errata_multi, init_multi, predictions
from .stage1 import (
    cross_totals,
    first_failure,
    first_failure_text,
    fitted_rate,
    label_split_note,
    loss_derivative_check,
    noise_strength,
    projection_checks,
    recursion_check,
    signal_strength,
    signal_time,
    sizes_label,
    stage1_end,
    sync_times,
)
from .trajectory import Trajectory
from .verdicts import Check, Verdict, holds_with_slack

__all__ = [
    "lemma_5_3",
    "lemma_d1",
    "lemma_d2",
    "lemma_d3",
    "lemma_d4",
    "lemma_d8",
    "lemma_d9",
    "lemma_5_4",
]


# ----------------------------------------------------------------------------------------------- Lemma 5.3
def lemma_5_3(traj: Trajectory) -> Check:
    """Lemma 5.3: the recursions (15)–(18), both modalities, against least squares."""
    if traj.mode != "multi":
        raise ValueError("Lemma 5.3 is about the multi-modal setting; use lemma_5_1")
    return recursion_check(traj, "5.3")


# ----------------------------------------------------------------------------------------------- D.1
def lemma_d1(traj: Trajectory) -> Check:
    """Lemma D.1: the loss-derivative band in the multi-modal setting, held against ``C_ℓ = 1.01`` (the value the
    proof of Lemma D.8 chooses)."""
    return loss_derivative_check(traj, "D.1", 1.01, "the proof of D.8 takes C_ℓ = 1.01")


# ----------------------------------------------------------------------------------------------- D.2
def lemma_d2(traj: Trajectory, delta: float = 0.1) -> list[Check]:
    """Lemma D.2: the bounds of C.1 for both modalities (with ``d̃`` and ``SNR̃`` for the second)."""
    if traj.mode != "multi":
        raise ValueError("Lemma D.2 is about the multi-modal setting; use lemma_c1")
    return projection_checks(traj, "D.2", delta)


# ----------------------------------------------------------------------------------------------- D.3
def lemma_d3(traj: Trajectory) -> list[Check]:
    """Lemma D.3. (1)–(2) as printed: ``U_±⁽ᵗ⁾ ∩ Ũ_±⁽ᵗ⁾ = U_±⁽⁰⁾ ∩ Ũ_±⁽⁰⁾``; corrected ("⊇": initially aligned
    neurons stay aligned, with ``γ, γ̃`` monotone). (3): every mixed-sign neuron synchronises within the run."""
    if traj.mode != "multi":
        raise ValueError("Lemma D.3 is about the multi-modal setting")
    h, g = traj.h, traj.g
    sh, sg = np.sign(h.signal), np.sign(g.signal)
    aligned0 = sh[:, :1] == sg[:, :1]  # (R, 1, m)
    in_aligned = (sh == sg) & (sh != 0)  # r ∈ U₊⁽ᵗ⁾∩Ũ₊⁽ᵗ⁾ or U₋⁽ᵗ⁾∩Ũ₋⁽ᵗ⁾
    keeps = np.where(aligned0, in_aligned & (sh == sh[:, :1]), ~in_aligned)  # set equality, neuron by neuron
    printed_broken = ~keeps.all(1)
    stays = ~(((sh != sh[:, :1]) | (sg != sg[:, :1])) & aligned0).any(1)
    mono = ~((np.diff(h.gamma, axis=1) * sh[:, :1] < 0) | (np.diff(g.gamma, axis=1) * sg[:, :1] < 0)).any(1)
    aligned_ok = bool((stays & mono)[aligned0[:, 0]].all())
    mixed = ~aligned0[:, 0]
    times = sync_times(traj)
    never = int(((times < 0) & mixed).sum())
    n_mixed = int(mixed.sum())
    printed_ok = not bool(printed_broken.any())
    verdict12 = Verdict.HOLDS if printed_ok else (Verdict.CORRECTED if aligned_ok else Verdict.SIZE_UNMET)
    synced = times[mixed & (times >= 0)]
    return [
        Check(
            "D.3",
            verdict12,
            f"{int(aligned0.sum())} aligned neurons all keep their signs and monotone γ, γ̃: {aligned_ok}; "
            f"the sets change when mixed neurons join them ({int(printed_broken.sum())} neurons)",
            "set equality (printed); ⊇ (corrected)",
            "as printed, (1)–(2) contradict (3): synchronised neurons enter U₊∩Ũ₊ or U₋∩Ũ₋",
            sizes_label(traj),
            "(1)–(2)",
        ),
        Check(
            "D.3",
            Verdict.HOLDS if never == 0 else Verdict.NOT_CHECKABLE,
            f"{n_mixed} mixed neurons; {n_mixed - never} synchronise, "
            f"at t = {int(synced.min()) if synced.size else -1}…{int(synced.max()) if synced.size else -1} "
            f"(median {float(np.median(synced)) if synced.size else float('nan'):.0f})",
            f"all within the {traj.epochs} epochs",
            "" if never == 0 else "a finite run cannot show that a synchronisation never happens",
            sizes_label(traj),
            "(3)",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.4
def lemma_d4(traj: Trajectory) -> list[Check]:
    """Lemma D.4 on ``0 ≤ t ≤ T₁`` for neurons aligned at ``t = 0``, ``q = 1 + 0.48C_μη‖μ‖²/(mτ)``: the lower bounds
    (43)–(44) on ``A`` and ``Ã`` as printed and with the missing factor ½
    (:func:`mmcl.theory.errata_multi.lemma_d4_43`); the joint growth (41) as printed,
    ``C_μA⁽ᵗ⁾ + Ã⁽ᵗ⁾ ≥ qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾)``; the shrinking relative gap (42); and, last, (41) in the stronger form that
    the proof's one-step bounds give, ``C_μA⁽ᵗ⁾ + Ã⁽ᵗ⁾ ≥ qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾)`` (*ours*: the one-step bounds multiply
    ``C_μA + Ã`` by ``q`` each step)."""
    c, t1 = traj.config, stage1_end(traj)
    q, cm = predictions.signal_rate_multi(c), c.c_mu
    a, at = signal_strength(traj.h)[:, : t1 + 1], signal_strength(traj.g)[:, : t1 + 1]
    aligned = np.sign(traj.h.signal[:, :1]) == np.sign(traj.g.signal[:, :1])  # (R, 1, m)
    t = np.arange(t1 + 1)[None, :, None]
    joint = cm * a + at
    v41 = aligned & (joint < q**t * (a[:, :1] + at[:, :1]) * (1 - 1e-12))
    v41_steps = aligned & (joint < q**t * joint[:, :1] * (1 - 1e-12))
    gap = np.abs(cm * a - at) / joint
    v42 = aligned[:, 0] & (gap[:, -1] > gap[:, 0])
    n_al = int(aligned.sum())
    rate = float(
        np.median(
            [
                fitted_rate(joint[r, :, k], 0, min(10, t1))
                for r in range(joint.shape[0])
                for k in np.where(aligned[r, 0])[0]
            ]
        )
    )
    return [
        *errata_multi.lemma_d4_43(traj),
        Check(
            "D.4",
            Verdict.HOLDS if not v41.any() else Verdict.SIZE_UNMET,
            f"{int(v41.any(1).sum())}/{n_al} violate ({first_failure_text(first_failure(v41))}); "
            f"fitted factor over t ≤ 10: {rate:.4f}",
            f"C_μA + Ã ≥ qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾), q = {q:.4f}",
            label_split_note(traj) if v41.any() else "",
            sizes_label(traj),
            "(41)",
        ),
        Check(
            "D.4",
            Verdict.HOLDS if not v42.any() else Verdict.SIZE_UNMET,
            f"relative gap |C_μA − Ã|/(C_μA + Ã): median {float(np.median(gap[:, 0][aligned[:, 0]])):.3f} at t = 0, "
            f"{float(np.median(gap[:, -1][aligned[:, 0]])):.3f} at T₁; {int(v42.sum())} neurons grow it",
            "shrinks",
            "",
            sizes_label(traj),
            "(42)",
        ),
        Check(
            "D.4",
            Verdict.HOLDS if not v41_steps.any() else Verdict.SIZE_UNMET,
            f"{int(v41_steps.any(1).sum())}/{n_al} violate ({first_failure_text(first_failure(v41_steps))})",
            f"C_μA + Ã ≥ qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾), q = {q:.4f}",
            label_split_note(traj) if v41_steps.any() else "",
            sizes_label(traj),
            "(41) from the one-step bounds",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.8
def lemma_d8(traj: Trajectory) -> list[Check]:
    """Lemma D.8 on ``0 ≤ t ≤ T₁``, both modalities: ``B_{r,±,+}⁽ᵗ⁾ ≤ q'ᵗB_{r,±,+}⁽⁰⁾`` with the printed
    ``q' = 1 + 1.05η/(nmτ)`` and the corrected ``q' = 1 + 1.05ησ_ξ²d/(nmτ)``; ``B_{r,±,−}⁽ᵗ⁾ ≤ B_{r,±,−}⁽⁰⁾``."""
    c, t1 = traj.config, stage1_end(traj)
    q_printed = 1 + 1.05 * c.lr / (c.n * c.m * c.tau)
    q_fixed = 1 + 1.05 * c.lr * c.sigma_xi**2 * c.d / (c.n * c.m * c.tau)
    t = np.arange(t1 + 1)[None, :, None]
    vp = vc = vm = 0
    first_p = first_c = first_m = -1
    total = 0
    for a, b in ((traj.h, traj.g), (traj.g, traj.h)):
        tot = cross_totals(a, b, traj.y)
        for s in (1, -1):
            grow = tot[(s, 1)][:, : t1 + 1]
            p = grow > q_printed**t * grow[:, :1] * (1 + 1e-12)
            cc = grow > q_fixed**t * grow[:, :1] * (1 + 1e-12)
            shrink = tot[(s, -1)][:, : t1 + 1]
            mm = shrink > shrink[:, :1] * (1 + 1e-12) + 1e-15
            vp, vc, vm = vp + int(p.any(1).sum()), vc + int(cc.any(1).sum()), vm + int(mm.any(1).sum())
            total += grow.shape[0] * grow.shape[2]
            first_p = first_failure(p) if first_p < 0 else first_p
            first_c = first_failure(cc) if first_c < 0 else first_c
            first_m = first_failure(mm) if first_m < 0 else first_m
    verdict = Verdict.HOLDS if vp == 0 else (Verdict.CORRECTED if vc == 0 else Verdict.SIZE_UNMET)
    return [
        Check(
            "D.8",
            verdict,
            f"violations: printed {vp}/{total} ({first_failure_text(first_p)}), "
            f"corrected {vc}/{total} ({first_failure_text(first_c)})",
            f"q' = {q_printed:.6f} (printed), {q_fixed:.4f} (with σ_ξ²d)",
            "the printed factor lacks σ_ξ²d; the corrected rate needs the stage-1 band of D.1 and n ≥ 4.7·10⁶"
            if vc
            else "the printed factor lacks σ_ξ²d",
            sizes_label(traj),
            "B_{r,±,+}",
        ),
        Check(
            "D.8",
            Verdict.HOLDS if vm == 0 else Verdict.SIZE_UNMET,
            f"{vm}/{total} totals grow ({first_failure_text(first_m)})",
            "B_{r,±,−}⁽ᵗ⁾ ≤ B_{r,±,−}⁽⁰⁾",
            "",
            sizes_label(traj),
            "B_{r,±,−}",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.9
def lemma_d9(traj: Trajectory) -> list[Check]:
    """Lemma D.9 on ``0 ≤ t ≤ T₁``, the four cases by the initial signs of ``⟨w_r⁽⁰⁾,ξ_i⟩`` and ``⟨w̃_r⁽⁰⁾,ξ̃_i⟩``.

    (1) both negative: ``ρ = ρ̃ = 0`` and both signs stay negative; (2)/(3) one negative: that side's ``ρ = 0`` and
    sign stay, the other side's ``ρ ≤ 0``; (4) both positive: ``Ψ⁽ᵗ⁾ ≤ q''ᵗ(Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾)`` with
    ``q'' = 1 + 1.06ησ_ξ²d/(nmτ)`` (the time-0 form; as printed the right side uses time-t values and is vacuous),
    and (46) ``Ψ̃⁽ᵗ⁾ ≥ 101/(M+1)·(B_{r,+,+}⁽ᵗ⁾ + B_{r,+,−}⁽ᵗ⁾)`` (lenient ``C_ℓ = 1``). Then the proof tools of case 4
    (:func:`mmcl.theory.errata_multi.lemma_d9_from_47`: (47), (45) from (47) alone, (48)).

    (1)–(3) fail through cross-talk at small ``d`` (sizes unmet). (46) is ``wrong as stated`` when it fails at
    ``t = 0``: its right side tends to ``101C_ℓ/√(2π)·σ₀σ_ξ√d`` as ``n`` grows
    (:func:`mmcl.theory.init_multi.d9_46_limit`), far above a single half-normal ``Ψ̃⁽⁰⁾``, at every ``n``."""
    c, t1 = traj.config, stage1_end(traj)
    h, g = traj.h, traj.g
    n1, n2 = h.noise[:, : t1 + 1], g.noise[:, : t1 + 1]
    r1, r2 = h.rho[:, : t1 + 1], g.rho[:, : t1 + 1]
    neg1, neg2 = n1[:, :1] < 0, n2[:, :1] < 0
    case1 = neg1 & neg2
    case2 = neg1 & ~neg2
    case3 = ~neg1 & neg2
    case4 = ~neg1 & ~neg2
    v1 = case1 & ((r1 != 0) | (r2 != 0) | (n1 > 0) | (n2 > 0))
    v2 = case2 & ((r1 != 0) | (n1 > 0) | (r2 > 0))
    v3 = case3 & ((r2 != 0) | (n2 > 0) | (r1 > 0))
    q = predictions.noise_rate_multi(c)
    t = np.arange(t1 + 1)[None, :, None, None]
    psi, psi_t = noise_strength(h)[:, : t1 + 1], noise_strength(g)[:, : t1 + 1]
    b45 = q**t * (psi[:, :1] + psi_t[:, :1])
    v4 = case4 & (n1 > 0) & (psi > b45 * (1 + 1e-12))
    active = np.broadcast_to(case4 & (n1 > 0) & (psi > 0) & (t > 0), psi.shape)
    slack45 = float((b45[active] / psi[active]).min()) if active.any() else math.inf
    tot = cross_totals(h, g, traj.y)
    m_i = traj.negative_counts[:, None, None, :]
    v46 = case4 & (n2 > 0) & (psi_t < 101.0 / (m_i + 1) * (tot[(1, 1)] + tot[(1, -1)])[:, : t1 + 1, :, None])

    def part(name: str, v: np.ndarray, case: np.ndarray, bound: str, fail: Verdict, **kw) -> Check:
        k, pairs = int(v.any(1).sum()), int(case.sum())
        return Check(
            "D.9",
            (holds_with_slack(kw["slack"]) if "slack" in kw else Verdict.HOLDS) if k == 0 else fail,
            f"{k}/{pairs} pairs violate ({first_failure_text(first_failure(v))})",
            bound,
            kw.get("note", ""),
            sizes_label(traj),
            name,
            kw.get("slack") if k == 0 else None,
        )

    at0 = float(v46[:, 0].sum() / max(int(case4.sum()), 1))
    return [
        part("case 1", v1, case1, "ρ = ρ̃ = 0, signs stay", Verdict.SIZE_UNMET),
        part("cases 2–3", v2 | v3, case2 | case3, "ρ = 0 on the negative side, ≤ 0 on the other", Verdict.SIZE_UNMET),
        part("case 4 (45)", v4, case4, f"Ψ⁽ᵗ⁾ ≤ {q:.4f}ᵗ(Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾)", Verdict.SIZE_UNMET, slack=slack45),
        part(
            "case 4 (46)",
            v46,
            case4,
            "Ψ̃ ≥ 101/(M+1)·(B_{r,+,+} + B_{r,+,−})",
            Verdict.WRONG if v46[:, 0].any() else Verdict.SIZE_UNMET,
            note=f"fails at t = 0 for {100 * at0:.0f}% of the pairs: the right side tends to "
            f"{init_multi.d9_46_limit():.1f}·σ₀σ_ξ√d as n grows, a single Ψ̃⁽⁰⁾ is half-normal of scale σ₀σ_ξ√d",
        ),
        *errata_multi.lemma_d9_from_47(traj),
    ]


# ----------------------------------------------------------------------------------------------- Lemma 5.4
def lemma_5_4(traj: Trajectory, delta: float = 0.1) -> list[Check]:
    """Lemma 5.4 at ``T₁``: ``max_{r,i} Ψ_{r,i}⁽ᵀ¹⁾`` against the proof's explicit ``Õ(1/√n)`` bound
    ``√(24 log(8mn/δ))·√(σ₀σ_ξ√d/‖μ‖)``, and ``max_r γ_r⁽ᵀ¹⁾ ≥ 1`` (``Ω(1)``)."""
    if traj.mode != "multi":
        raise ValueError("Lemma 5.4 is about the multi-modal setting")
    c, t1 = traj.config, stage1_end(traj)
    psi = float(np.maximum(noise_strength(traj.h)[:, t1], 0).max())
    rho = float(np.abs(traj.h.rho[:, t1]).max())
    bound = predictions.lemma_5_4_noise_bound(c, delta)
    gmax = float(traj.h.gamma[:, t1].max())
    noise_slack, signal_slack = bound / psi, gmax
    return [
        Check(
            "5.4",
            holds_with_slack(noise_slack) if noise_slack >= 1 else Verdict.SIZE_UNMET,
            f"max Ψ = {psi:.3f}, max |ρ| = {rho:.3f} = {rho * math.sqrt(c.n):.1f}/√n at T₁ = {t1}",
            f"{bound:.3g} (the proof's bound)",
            f"read as 1/√n, the Õ would have to hide a factor of {rho * math.sqrt(c.n):.0f}",
            sizes_label(traj),
            "noise",
            noise_slack if noise_slack >= 1 else None,
        ),
        Check(
            "5.4",
            holds_with_slack(signal_slack) if signal_slack >= 1 else Verdict.SIZE_UNMET,
            f"max_r γ_r = {gmax:.3f} at T₁ = {t1}",
            "≥ 1 (Ω(1))",
            f"measured: max_r γ_r ≥ 1 from t = {signal_time(traj)}",
            sizes_label(traj),
            "signal",
            signal_slack if signal_slack >= 1 else None,
        ),
    ]
