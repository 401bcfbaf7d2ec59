"""The fast/full budget of the answer key: one typed table instead of profile branches.

Every size a section chooses by profile (Hypothesis examples, Monte Carlo samples,
training steps, sweep lengths) is a field of :class:`Budget`; ``hw7 answers --profile``
picks one of the two rows of :data:`BUDGETS`, and a section reads
``ctx.budget.<field>``. A field's comment names the section that spends it.

>>> budget_for("fast").q3_prop_examples, budget_for("full").q3_prop_examples
(30, 200)
>>> budget_for("medium")
Traceback (most recent call last):
...
hw7core.errors.InputError: unknown profile 'medium'; known profiles: fast, full
"""

from __future__ import annotations

from dataclasses import dataclass

from hw7core.errors import InputError

__all__ = ["BUDGETS", "Budget", "budget_for"]


@dataclass(frozen=True)
class Budget:
    """How much work a section spends on confirmations (the profile's row)."""

    profile: str
    # Q1(a) autoencoders: DAE/MAE latent sizes on digits (None: every AE size);
    # Hypothesis examples of the masking-noise and linear-AE properties
    q1a_other_latents: tuple[int, ...] | None
    # Q1(a) (and ``hw7 train --profile``): training epochs on the small data sets (digits,
    # synthetic), numerics.autoencoders.default_config's small_data_epochs
    q1a_small_data_epochs: int
    q1a_mask_prop_examples: int
    q1a_pca_prop_examples: int
    # Q1(b) linear autoencoder: gradient-descent steps and inits; property examples
    q1b_gd_steps: int
    q1b_gd_inits: int
    q1b_prop_examples: int
    # Q2 regularised LAE: weight_decay property examples; Q2(b) training plan
    # (m, k, n), λ/σ_k ratios, full-batch step cap, one-sample epoch run; property examples
    q2a_prop_examples: int
    q2b_shape: tuple[int, int, int]
    q2b_ratios: tuple[float, ...]
    q2b_fullbatch_steps: int
    q2b_epoch_sampling: bool
    q2b_prop_examples: int
    # Q3 scaled dot product: Monte Carlo sample multiplier, property examples,
    # dimensions of the softmax-saturation illustration
    q3_mc_scale: int
    q3_prop_examples: int
    q3_saturation_dims: tuple[int, ...]
    # Q4 argmax attention: property examples; retrieval experiment seeds and SGD steps
    q4a_prop_examples: int
    q4b_retrieval_seeds: int
    q4b_retrieval_steps: int
    # Q5 kernel attention and cost: property examples; timing sweep lengths and
    # repeats; benchmark length
    q5_prop_examples: int
    q5_sweep_softmax_ns: tuple[int, ...]
    q5_sweep_linear_ns: tuple[int, ...]
    q5_timing_repeats: int
    q5_benchmark_n: int
    # Q6: degradation Monte Carlo trials and training steps; gradient-accumulation
    # seeds; missing-zero_grad training steps
    q6a_trials: int
    q6a_steps: int
    q6b_seeds: int
    q6c_steps: int


BUDGETS: dict[str, Budget] = {
    "fast": Budget(
        profile="fast",
        q1a_other_latents=(4, 16), q1a_small_data_epochs=60,
        q1a_mask_prop_examples=20, q1a_pca_prop_examples=15,
        q1b_gd_steps=1500, q1b_gd_inits=2, q1b_prop_examples=15,
        q2a_prop_examples=10, q2b_shape=(6, 3, 60), q2b_ratios=(0.05, 0.3, 0.8, 1.2),
        q2b_fullbatch_steps=3000, q2b_epoch_sampling=False, q2b_prop_examples=15,
        q3_mc_scale=1, q3_prop_examples=30, q3_saturation_dims=(2, 8, 32, 128, 512, 2048),
        q4a_prop_examples=20, q4b_retrieval_seeds=4, q4b_retrieval_steps=150,
        q5_prop_examples=15,
        q5_sweep_softmax_ns=(256, 512, 1024, 2048, 4096),
        q5_sweep_linear_ns=(256, 512, 1024, 2048, 4096, 8192, 16384, 32768),
        q5_timing_repeats=3, q5_benchmark_n=4096,
        q6a_trials=400, q6a_steps=300, q6b_seeds=1, q6c_steps=1000,
    ),
    "full": Budget(
        profile="full",
        q1a_other_latents=None, q1a_small_data_epochs=150,
        q1a_mask_prop_examples=100, q1a_pca_prop_examples=60,
        q1b_gd_steps=6000, q1b_gd_inits=5, q1b_prop_examples=100,
        q2a_prop_examples=60, q2b_shape=(10, 4, 200),
        q2b_ratios=(0.02, 0.1, 0.3, 0.5, 0.8, 1.2, 2.0),
        q2b_fullbatch_steps=6000, q2b_epoch_sampling=True, q2b_prop_examples=100,
        q3_mc_scale=10, q3_prop_examples=200,
        q3_saturation_dims=tuple(2**j for j in range(1, 13)),
        q4a_prop_examples=40, q4b_retrieval_seeds=8, q4b_retrieval_steps=300,
        q5_prop_examples=40,
        q5_sweep_softmax_ns=(256, 512, 1024, 2048, 4096, 8192),
        q5_sweep_linear_ns=(256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072),
        q5_timing_repeats=5, q5_benchmark_n=16384,
        q6a_trials=4000, q6a_steps=1500, q6b_seeds=5, q6c_steps=4000,
    ),
}


def budget_for(profile: str) -> Budget:
    """The budget row of ``profile`` ("fast" or "full"); InputError otherwise."""
    try:
        return BUDGETS[profile]
    except KeyError:
        raise InputError(f"unknown profile {profile!r}; known profiles: "
                         f"{', '.join(BUDGETS)}") from None
