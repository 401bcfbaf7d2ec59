"""Q1(a): vanilla, denoising and masked MLP autoencoders, linear probes and the PCA baseline.

* Models: an MLP encoder m → hidden… → k and a mirrored decoder k → … → m (ReLU; or no
  nonlinearity at all for the linear autoencoder of Q1(b)). Inputs are centred by the
  training-set pixel mean, so a masked pixel (value 0 after centring) reads as "the mean
  pixel" rather than as ink or background.
* Corruptions: additive Gaussian noise and Bernoulli masking noise (denoising AE, Vincent et
  al. 2008), and MAE-style random masking of a fixed number of pixels or p×p patches per
  image with the loss on the masked positions only (He et al. 2022). Their statistics are
  derived in :mod:`derivations.autoencoders` and checked by the tests.
* Linear probe: encoder frozen, z standardised, a multinomial LogisticRegression (lbfgs)
  whose inverse regularisation C is chosen from a fixed grid by 3-fold cross-validation on
  the training set — the same procedure for z, PCA scores and raw pixels — then scored on the
  held-out test set.
* Losses: squared error, or (for near-binary pixels such as MNIST) a sigmoid output with
  binary cross-entropy; reconstruction errors are always reported as MSE per pixel in [0, 1].
* Everything is deterministic given the seed (a torch.Generator drives initialisation,
  shuffling and corruption) and every torch routine takes ``device=``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from hw7core.arrays import check_array
from hw7core.device import resolve_device
from hw7core.errors import InputError

__all__ = [
    "KINDS", "NOISE_TYPES", "LOSSES", "PROBE_CS", "check_latent", "check_ratio", "check_std",
    "gaussian_noise", "bernoulli_mask", "random_patch_mask", "mean_var_se", "mask_noise_moments",
    "corruption_moments", "MLPAutoencoder", "ACTIVATIONS", "default_config", "TrainConfig",
    "Trained", "seeded_generator", "train_autoencoder", "fit_linear_autoencoder",
    "discarded_eigen_sum", "ProbeResult", "linear_probe", "recon_mse", "PCAResult",
    "pca_baseline", "SweepRow", "evaluate", "raw_pixel_probe", "random_encoder_probe", "Sweep",
    "sweep", "latent_sweeps", "plot_reconstructions", "plot_metrics",
]

KINDS = ("ae", "dae", "mae")
NOISE_TYPES = ("gaussian", "mask")
LOSSES = ("bce", "mse")
PROBE_CS = (0.01, 0.1, 1.0, 10.0, 100.0)


# --------------------------------------------------------------------------- validation
def check_latent(k: int, dim: int) -> int:
    """A latent size must satisfy 0 < k < input size (else the AE is not a bottleneck)."""
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise InputError(f"latent size must be an integer, got {k!r}")
    if k <= 0 or k >= dim:
        raise InputError(f"latent size must satisfy 0 < k < {dim} (the input size), got {k}")
    return int(k)


def check_ratio(r: float, what: str = "mask ratio") -> float:
    if not (isinstance(r, (int, float)) and math.isfinite(r) and 0 <= r < 1):
        raise InputError(f"{what} must be in [0, 1), got {r!r}")
    return float(r)


def check_std(s: float) -> float:
    if not (isinstance(s, (int, float)) and math.isfinite(s) and s >= 0):
        raise InputError(f"noise standard deviation must be a finite number ≥ 0, got {s!r}")
    return float(s)


# --------------------------------------------------------------------------- corruptions
def gaussian_noise(x: torch.Tensor, std: float, generator: torch.Generator | None = None
                   ) -> torch.Tensor:
    """x + ε, ε ~ N(0, std² I) i.i.d.: E[x̃] = x, Var[x̃_i] = std²."""
    check_std(std)
    eps = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return x + std * eps


def bernoulli_mask(x: torch.Tensor, p: float, generator: torch.Generator | None = None
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Masking noise: each entry set to 0 independently with probability p.

    Returns (x̃, mask) with mask = 1 where masked. E[x̃_i] = (1−p)x_i and
    Var[x̃_i] = p(1−p)x_i² (derived in :mod:`derivations.autoencoders`).
    """
    check_ratio(p, "masking probability")
    u = torch.rand(x.shape, generator=generator, device=x.device)
    mask = (u < p).to(x.dtype)
    return x * (1 - mask), mask


def random_patch_mask(n: int, side: tuple[int, int], ratio: float, patch: int = 1, *,
                      generator: torch.Generator | None = None, device=None) -> torch.Tensor:
    """MAE masking: per image, exactly round(ratio·P) of the P patches (p×p pixel blocks;
    p = 1 masks pixels) chosen uniformly without replacement. Returns an (n, H·W) 0/1 mask.

    Each pixel is masked with marginal probability round(ratio·P)/P; the number of masked
    patches inside any fixed set of s patches is hypergeometric (derived in
    :mod:`derivations.autoencoders`).
    """
    check_ratio(ratio)
    h, w = side
    if patch < 1 or h % patch or w % patch:
        raise InputError(f"patch size {patch} must be ≥ 1 and divide the image size {h}×{w}")
    dev = resolve_device(device)
    gh, gw = h // patch, w // patch
    n_patches = gh * gw
    n_mask = int(round(ratio * n_patches))
    scores = torch.rand((n, n_patches), generator=generator, device=dev)
    ranks = scores.argsort(dim=1).argsort(dim=1)     # a uniform random permutation per row
    pm = (ranks < n_mask).float().reshape(n, gh, gw)
    pm = pm.repeat_interleave(patch, dim=1).repeat_interleave(patch, dim=2)
    return pm.reshape(n, h * w)


def mean_var_se(samples: torch.Tensor) -> tuple[float, float, float, float]:
    """Sample mean and variance with their standard errors (float64):
    SE(mean) = s/√n, SE(var) = √((m4 − s⁴)/n) from the sample fourth central moment."""
    v = samples.detach().to(torch.float64).flatten()
    n = v.numel()
    mean = v.mean()
    c = v - mean
    var = (c ** 2).mean()
    m4 = (c ** 4).mean()
    return (float(mean), float(var.sqrt() / math.sqrt(n)), float(var) * n / (n - 1),
            float(((m4 - var ** 2).clamp_min(0) / n).sqrt()))


def mask_noise_moments(x: float, p: float, n: int, *, seed: int = 0, device=None):
    """Monte Carlo (mean, SE, var, SE) of the masked value x̃ = x(1−B) over n draws."""
    dev = resolve_device(device)
    gen = seeded_generator(seed, dev)
    xt, _ = bernoulli_mask(torch.full((n,), float(x), dtype=torch.float64, device=dev), p, gen)
    return mean_var_se(xt)


def corruption_moments(n: int, *, seed: int = 0, device=None) -> list[tuple]:
    """Monte Carlo moments of the three corruptions, as (name, estimate, SE, parameters).

    gauss: x = 0.7, σ = 0.3; mask: x = 0.8, p = 0.3; MAE: 8×8 images in 2×2 patches
    (P = 16), ratio 0.5 (r = 8), the count of masked patches among the first s = 5.
    """
    dev = resolve_device(device)
    gen = seeded_generator(seed, dev)
    out = []
    g = gaussian_noise(torch.full((n,), 0.7, dtype=torch.float64, device=dev), 0.3, gen)
    gm, gms, gv, gvs = mean_var_se(g)
    out += [("gauss_mean", gm, gms, (0.7, 0.3)), ("gauss_var", gv, gvs, (0.7, 0.3))]
    mm, mms, mv, mvs = mask_noise_moments(0.8, 0.3, n, seed=seed + 1, device=dev)
    out += [("mask_mean", mm, mms, (0.8, 0.3)), ("mask_var", mv, mvs, (0.8, 0.3))]
    mask = random_patch_mask(n, (8, 8), 0.5, 2, generator=gen, device=dev).reshape(n, 8, 8)
    firsts = mask[:, ::2, ::2].reshape(n, 16)[:, :5]      # one pixel per patch, first 5 patches
    cm, cms, cv, cvs = mean_var_se(firsts.sum(1))
    out += [("count_mean", cm, cms, (16, 8, 5)), ("count_var", cv, cvs, (16, 8, 5))]
    return out


# --------------------------------------------------------------------------- model
class MLPAutoencoder(nn.Module):
    """Encoder m → hidden… → k, decoder k → reversed(hidden)… → m.

    ``linear=True`` drops every nonlinearity and bias (the linear AE of Q1(b), W2·W1·x).
    ``mask_input=True`` (MAE) feeds the encoder the mask as extra inputs, so a masked pixel
    is distinguishable from a pixel equal to the mean; at evaluation the mask is all zeros.
    """

    def __init__(self, dim: int, latent: int, hidden: tuple[int, ...] = (512, 256),
                 linear: bool = False, mask_input: bool = False, activation: str = "relu"):
        super().__init__()
        check_latent(latent, dim)
        self.dim, self.latent, self.linear, self.mask_input = dim, latent, linear, mask_input
        enc_sizes = [dim * (2 if mask_input else 1), *hidden, latent]
        dec_sizes = [latent, *reversed(hidden), dim]
        self.encoder = _mlp(enc_sizes, linear, activation)
        self.decoder = _mlp(dec_sizes, linear, activation)

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.mask_input:
            x = torch.cat([x, torch.zeros_like(x) if mask is None else mask], dim=1)
        return self.encoder(x)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.decoder(self.encode(x, mask))


ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU}


def _mlp(sizes: list[int], linear: bool, activation: str = "relu") -> nn.Sequential:
    if activation not in ACTIVATIONS:
        raise InputError(f"unknown activation {activation!r}: use {', '.join(ACTIVATIONS)}")
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, bias=not linear))
        if not linear and i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------- training
def default_config(dataset: str, kind: str = "ae", *, small_data_epochs: int = 60,
                   seed: int = 0, latent: int = 16) -> TrainConfig:
    """Training settings used by the answer key, the CLI defaults and the benchmark (Q1(a)).

    MNIST (784 near-binary pixels): 784-512-256-k, Adam with a cosine schedule, batch 256.
    The vanilla AE uses a sigmoid output with binary cross-entropy (40 epochs); the DAE
    (Gaussian σ = 0.5; encoder 784-512-1024-k) and the MAE (half the pixels masked) use
    squared error and train 60 epochs, since the corruption makes every epoch a different,
    harder task.
    The 8×8 digits and the synthetic data (64 grey-level pixels, small sets): 64-256-128-k,
    squared error, Gaussian DAE noise σ = 0.2, ``small_data_epochs`` epochs (an integer
    ≥ 1; the answer key passes its budget's: 60 fast, 150 full). InputError on a bad count.

    >>> default_config("digits", "dae", small_data_epochs=150).epochs
    150
    >>> default_config("mnist", "ae", small_data_epochs=150).epochs
    40
    """
    if isinstance(small_data_epochs, bool) or not isinstance(small_data_epochs, int) \
            or small_data_epochs < 1:
        raise InputError(f"small_data_epochs must be an integer ≥ 1, got {small_data_epochs!r}")
    if dataset == "mnist":
        epochs = {"ae": 40, "dae": 60, "mae": 60}[kind]
        # the DAE's layer feeding z is wider (1024): more features for the code to mix;
        # k itself is unchanged
        hidden = (512, 1024) if kind == "dae" else (512, 256)
        return TrainConfig(kind=kind, latent=latent, hidden=hidden, epochs=epochs,
                           batch_size=256, lr=1e-3, noise_std=0.5, mask_ratio=0.5,
                           loss="bce" if kind == "ae" else "mse", seed=seed)
    return TrainConfig(kind=kind, latent=latent, hidden=(256, 128), epochs=small_data_epochs,
                       batch_size=128, lr=1e-3, noise_std=0.2, mask_ratio=0.5, loss="mse",
                       seed=seed)


@dataclass
class TrainConfig:
    """Training settings (recorded verbatim in the metrics JSON)."""

    kind: str = "ae"                     # ae | dae | mae
    latent: int = 16
    hidden: tuple[int, ...] = (512, 256)
    epochs: int = 40
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0
    noise: str = "gaussian"              # DAE corruption: gaussian | mask
    noise_std: float = 0.3               # DAE Gaussian std (pixels in [0, 1])
    mask_ratio: float = 0.5              # DAE masking probability / MAE masked fraction
    patch: int = 1                       # MAE patch side (1 = pixels)
    linear: bool = False
    activation: str = "relu"
    # mse: linear output, squared error; bce: sigmoid output, binary cross-entropy on
    # pixels in [0, 1]
    loss: str = "mse"
    seed: int = 0

    def validate(self, dim: int, side: tuple[int, int] | None = None) -> TrainConfig:
        if self.kind not in KINDS:
            raise InputError(f"unknown autoencoder kind {self.kind!r}: use ae, dae or mae")
        if self.loss not in LOSSES:
            raise InputError(f"unknown loss {self.loss!r}: use {' or '.join(LOSSES)}")
        if self.noise not in NOISE_TYPES:
            raise InputError(f"unknown noise {self.noise!r}: use gaussian or mask")
        check_latent(self.latent, dim)
        check_ratio(self.mask_ratio)
        check_std(self.noise_std)
        if self.epochs < 1 or self.batch_size < 1:
            raise InputError("epochs and batch size must be ≥ 1")
        if not (self.lr > 0):
            raise InputError(f"learning rate must be > 0, got {self.lr}")
        if any(h < 1 for h in self.hidden):
            raise InputError(f"hidden sizes must be ≥ 1, got {self.hidden}")
        if self.kind == "mae":
            if self.mask_ratio == 0:
                raise InputError("a masked autoencoder needs a mask ratio in (0, 1)")
            if side is not None and (side[0] % self.patch or side[1] % self.patch):
                raise InputError(f"patch size {self.patch} must divide the image size "
                                 f"{side[0]}×{side[1]}")
        return self


@dataclass
class Trained:
    """A trained autoencoder with what is needed to use it on new data."""

    model: MLPAutoencoder
    mean: torch.Tensor                   # training-set pixel mean (inputs are centred)
    config: TrainConfig
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def _batched(self, fn, x: np.ndarray, batch: int) -> np.ndarray:
        """fn(centred batch) over x in batches, eval mode, no autograd; numpy out."""
        dev = self.mean.device
        out = []
        self.model.eval()
        with torch.no_grad():
            for i in range(0, len(x), batch):
                xb = torch.as_tensor(x[i:i + batch], dtype=self.mean.dtype, device=dev) - self.mean
                out.append(fn(xb).cpu().numpy())
        return np.concatenate(out)

    def encode(self, x: np.ndarray, batch: int = 4096) -> np.ndarray:
        return self._batched(self.model.encode, x, batch).astype(np.float64)

    def _output(self, raw: torch.Tensor) -> torch.Tensor:
        # bce: the decoder emits logits of the pixel values; mse: centred pixel values
        return torch.sigmoid(raw) if self.config.loss == "bce" else raw + self.mean

    def reconstruct(self, x: np.ndarray, batch: int = 4096) -> np.ndarray:
        return self._batched(lambda xb: self._output(self.model(xb)), x, batch)


def seeded_generator(seed: int, device) -> torch.Generator:
    g = torch.Generator(device=resolve_device(device))
    g.manual_seed(int(seed))
    return g


def train_autoencoder(x_train: np.ndarray, config: TrainConfig, *, image_shape=None,
                      device=None, progress: Callable | None = None,
                      dtype: torch.dtype = torch.float32) -> Trained:
    """Train an AE / DAE / MAE on ``x_train`` (n × m, pixels in [0, 1]) with Adam and a
    cosine learning-rate schedule; deterministic given ``config.seed``.

    ae: minimise ‖x − g(f(x))‖²; dae: minimise ‖x − g(f(x̃))‖² with x̃ Gaussian- or
    mask-corrupted; mae: mask a fixed fraction of pixels/patches and minimise the error on
    the masked positions only. With ``loss="bce"`` the squared error is replaced by binary
    cross-entropy between sigmoid(decoder output) and the clean pixels.
    """
    dev = resolve_device(device)
    x_train = check_array(x_train, "training data", ndim=2)
    if len(x_train) < 2:
        raise InputError("training data must be a 2-D array with at least 2 rows")
    n, m = x_train.shape
    side = tuple(image_shape) if image_shape is not None else (1, m)
    if side[0] * side[1] != m:
        raise InputError(f"image shape {side} does not match input size {m}")
    config.validate(m, side)
    if config.loss == "bce" and (x_train.min() < 0 or x_train.max() > 1):
        raise InputError("the bce loss needs pixel values in [0, 1]; use loss='mse'")
    with torch.random.fork_rng(devices=[]):             # seed the initialisation without
        torch.manual_seed(config.seed)                   # disturbing the caller's global RNG
        model = MLPAutoencoder(m, config.latent, config.hidden, linear=config.linear,
                               mask_input=config.kind == "mae", activation=config.activation
                               ).to(device=dev, dtype=dtype)
    gen = seeded_generator(config.seed + 1, dev)         # shuffling and corruption
    x = torch.as_tensor(x_train, dtype=dtype, device=dev)
    mean = x.mean(0, keepdim=True)
    xc = x - mean
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = math.ceil(n / config.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs * steps_per_epoch)
    epochs = range(config.epochs)
    if progress is not None:
        epochs = progress(epochs, desc=f"{config.kind} k={config.latent}")
    losses = []
    t0 = time.perf_counter()
    model.train()
    for _ in epochs:
        perm = torch.randperm(n, generator=gen, device=dev)
        total = 0.0
        for i in range(0, n, config.batch_size):
            xb = xc[perm[i:i + config.batch_size]]
            loss = _loss(model, xb, mean, config, side, gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(xb)
        losses.append(total / n)
    seconds = time.perf_counter() - t0
    model.eval()
    return Trained(model, mean, config, losses, seconds)


def _loss(model, xb, mean, cfg: TrainConfig, side, gen) -> torch.Tensor:
    """The training loss on a centred minibatch ``xb`` (targets are the clean pixels)."""
    import torch.nn.functional as F

    def per_pixel(raw, target_c):
        if cfg.loss == "bce":
            return F.binary_cross_entropy_with_logits(raw, target_c + mean, reduction="none")
        return (raw - target_c) ** 2

    if cfg.kind == "ae":
        return per_pixel(model(xb), xb).mean()
    if cfg.kind == "dae":
        if cfg.noise == "gaussian":
            xt = gaussian_noise(xb + mean, cfg.noise_std, gen) - mean
        else:
            # masking noise zeroes pixels (in [0, 1] units); dividing by 1 − p makes the
            # corrupted input unbiased (E[x̃/(1−p)] = x, derived), so clean test inputs
            # match the training inputs on average
            xt = bernoulli_mask(xb + mean, cfg.mask_ratio, gen)[0] / (1 - cfg.mask_ratio) - mean
        return per_pixel(model(xt), xb).mean()
    mask = random_patch_mask(len(xb), side, cfg.mask_ratio, cfg.patch, generator=gen,
                             device=xb.device).to(xb.dtype)
    # MAE: the loss counts the masked positions only
    return (per_pixel(model(xb * (1 - mask), mask), xb) * mask).sum() / mask.sum().clamp_min(1)


def fit_linear_autoencoder(x: np.ndarray, k: int, *, seed: int = 0, device=None,
                           max_iter: int = 2000) -> tuple[float, MLPAutoencoder]:
    """Train the linear AE x ↦ W2 W1 (x − x̄) to convergence (float64, full batch, L-BFGS)
    and return its mean squared error per coordinate — the quantity Eckart–Young bounds.
    """
    dev = resolve_device(device)
    x = check_array(x, "x", ndim=2)
    n, m = x.shape
    check_latent(k, m)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MLPAutoencoder(m, k, hidden=(), linear=True).to(device=dev, dtype=torch.float64)
    xc = torch.as_tensor(x - x.mean(0), device=dev)
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=max_iter, tolerance_grad=1e-12,
                            tolerance_change=1e-15, history_size=50,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((model(xc) - xc) ** 2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        err = float(((model(xc) - xc) ** 2).mean())
    return err, model


def discarded_eigen_sum(x: np.ndarray, k: int) -> float:
    """(1/m)·Σ_{i>k} λ_i of the (1/n) covariance: the optimal rank-k error per coordinate."""
    x = check_array(x, "x", ndim=2)
    ev = np.sort(np.linalg.eigvalsh(np.cov(x, rowvar=False, bias=True)))[::-1]
    return float(ev[k:].sum() / x.shape[1])


# --------------------------------------------------------------------------- evaluation
@dataclass
class ProbeResult:
    accuracy: float
    C: float
    val_accuracy: float


def linear_probe(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                 y_test: np.ndarray, *, cs=None, seed: int = 0,
                 max_iter: int = 3000) -> ProbeResult:
    """Held-out accuracy of a linear classifier on frozen features.

    Features are standardised (training-set statistics); a multinomial LogisticRegression
    (lbfgs) has its inverse regularisation C chosen from ``cs`` by 3-fold stratified
    cross-validation on the training set (LogisticRegressionCV, refit on all of it), then it
    is scored on the test set. One C in ``cs`` skips the cross-validation.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    cs = list(PROBE_CS if cs is None else cs)
    scaler = StandardScaler().fit(z_train)
    a, b = scaler.transform(z_train), scaler.transform(z_test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        if len(cs) > 1:
            folds = StratifiedKFold(3, shuffle=True, random_state=seed)
            clf = LogisticRegressionCV(Cs=cs, cv=folds, max_iter=max_iter).fit(a, y_train)
            C = float(np.ravel(clf.C_)[0])
            val = float(np.max(np.mean(next(iter(clf.scores_.values())), axis=0)))
        else:
            clf = LogisticRegression(C=cs[0], max_iter=max_iter).fit(a, y_train)
            C, val = float(cs[0]), float("nan")
    return ProbeResult(float(clf.score(b, y_test)), C, val)


def recon_mse(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Mean squared reconstruction error per pixel (pixels in [0, 1])."""
    return float(np.mean((np.asarray(x, np.float64) - np.asarray(x_hat, np.float64)) ** 2))


@dataclass
class PCAResult:
    k: int
    train_mse: float
    test_mse: float
    probe: ProbeResult
    discarded_eigen_sum: float           # Σ_{i>k} λ_i of the training covariance (per pixel)
    model: object = None


def pca_baseline(x_train, y_train, x_test, y_test, k: int, *, seed: int = 0,
                 probe: bool = True) -> PCAResult:
    """PCA with k components (scikit-learn, full SVD): reconstruction error and a probe on
    the k scores. ``discarded_eigen_sum`` is the Eckart–Young optimum of the training error."""
    from sklearn.decomposition import PCA

    # float64 throughout: the training error must equal the Eckart–Young value to round-off
    x_train = check_array(x_train, "x_train", ndim=2)
    x_test = check_array(x_test, "x_test", ndim=2)
    check_latent(k, x_train.shape[1])
    p = PCA(n_components=k, svd_solver="full").fit(x_train)
    ztr, zte = p.transform(x_train), p.transform(x_test)
    tr = recon_mse(x_train, p.inverse_transform(ztr))
    te = recon_mse(x_test, p.inverse_transform(zte))
    disc = discarded_eigen_sum(x_train, k)
    pr = linear_probe(ztr, y_train, zte, y_test, seed=seed) if probe else None
    return PCAResult(k, tr, te, pr, disc, p)


@dataclass
class SweepRow:
    kind: str
    k: int
    train_mse: float
    test_mse: float
    probe_acc: float
    probe_C: float
    seconds: float
    final_loss: float | None = None

    def as_dict(self):
        return asdict(self)


def evaluate(trained: Trained, data) -> SweepRow:
    """Reconstruction error (train and test) and probe accuracy of a trained AE."""
    ztr, zte = trained.encode(data.x_train), trained.encode(data.x_test)
    pr = linear_probe(ztr, data.y_train, zte, data.y_test, seed=trained.config.seed)
    return SweepRow(trained.config.kind, trained.config.latent,
                    recon_mse(data.x_train, trained.reconstruct(data.x_train)),
                    recon_mse(data.x_test, trained.reconstruct(data.x_test)),
                    pr.accuracy, pr.C, trained.seconds,
                    trained.losses[-1] if trained.losses else None)


def raw_pixel_probe(data, seed: int = 0) -> ProbeResult:
    return linear_probe(data.x_train, data.y_train, data.x_test, data.y_test, seed=seed)


def random_encoder_probe(data, k: int, *, hidden=(512, 256), seed: int = 0,
                         device=None) -> ProbeResult:
    """Probe on a frozen, *untrained* (randomly initialised) encoder of the same shape."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MLPAutoencoder(data.dim, k, hidden).to(resolve_device(device))
    mean = torch.as_tensor(data.x_train.mean(0, keepdims=True), device=resolve_device(device))
    t = Trained(model, mean, TrainConfig(latent=k, hidden=tuple(hidden), seed=seed))
    return linear_probe(t.encode(data.x_train), data.y_train, t.encode(data.x_test),
                        data.y_test, seed=seed)


# --------------------------------------------------------------------------- sweep
@dataclass
class Sweep:
    """A latent-size sweep of one AE kind with the baselines measured in the same run."""

    dataset: str
    description: str
    kind: str
    latents: list[int]
    rows: list[SweepRow]
    pca: list[PCAResult]
    raw_probe: ProbeResult
    config: dict
    recon_examples: dict = field(default_factory=dict)   # k → reconstructions of examples
    examples: np.ndarray | None = None
    image_shape: tuple[int, int] = (8, 8)

    def metrics(self) -> dict:
        """JSON-serialisable metrics (per latent size: probe accuracy, reconstruction error,
        wall time; baselines: PCA at the same k and the raw-pixel probe)."""
        pca = {p.k: p for p in self.pca}
        return {
            "dataset": self.dataset, "description": self.description, "kind": self.kind,
            "config": self.config, "latents": self.latents,
            "per_latent": [
                {**r.as_dict(), "pca_train_mse": pca[r.k].train_mse,
                 "pca_test_mse": pca[r.k].test_mse, "pca_probe_acc": pca[r.k].probe.accuracy,
                 "pca_discarded_eigen_sum": pca[r.k].discarded_eigen_sum}
                for r in self.rows],
            "raw_pixel_probe": {"accuracy": self.raw_probe.accuracy, "C": self.raw_probe.C},
        }


def sweep(data, kind: str, latents, *, base: TrainConfig | None = None, device=None,
          progress: Callable | None = None, n_examples: int = 8) -> Sweep:
    """Train ``kind`` at every latent size and measure it beside PCA and the raw probe."""
    latents = [check_latent(int(k), data.dim) for k in latents]
    if not latents:
        raise InputError("give at least one latent size")
    base = base or TrainConfig()
    seed = base.seed
    examples = data.x_test[:n_examples]
    rows, pcas, recs = [], [], {}
    for k in latents:
        cfg = TrainConfig(**{**asdict(base), "kind": kind, "latent": k})
        tr = train_autoencoder(data.x_train, cfg, image_shape=data.image_shape, device=device,
                               progress=progress)
        rows.append(evaluate(tr, data))
        recs[k] = tr.reconstruct(examples)
        pcas.append(pca_baseline(data.x_train, data.y_train, data.x_test, data.y_test, k,
                                 seed=seed))
    raw = raw_pixel_probe(data, seed=seed)
    cfg = {**asdict(base), "kind": kind}
    cfg.pop("latent")
    return Sweep(data.name, data.description, kind, latents, rows, pcas, raw, cfg, recs,
                 examples, tuple(data.image_shape))


def latent_sweeps(data, latents: dict, *, dataset: str = "digits", seed: int = 0,
                  small_data_epochs: int = 60, device=None,
                  progress: Callable | None = None) -> dict:
    """Q1(a)'s experiment: {kind: :func:`sweep` of that kind over its latent sizes}.

    ``latents`` maps each kind of :data:`KINDS` ("ae", "dae", "mae") to its latent sizes;
    each sweep starts from ``default_config(dataset, kind, seed=seed,
    small_data_epochs=small_data_epochs)`` (the settings of the answer key and the CLI)
    and trains on ``device``. InputError for an unknown kind or an empty list of sizes.
    """
    bad = [kind for kind in latents if kind not in KINDS]
    if bad or not latents:
        raise InputError(f"latents must map kinds from {', '.join(KINDS)} to latent sizes; "
                         f"got {sorted(latents) if latents else 'nothing'}")
    out = {}
    for kind, ks in latents.items():
        base = default_config(dataset, kind, seed=seed, small_data_epochs=small_data_epochs)
        out[kind] = sweep(data, kind, list(ks), base=base, device=device, progress=progress)
    return out


# --------------------------------------------------------------------------- figures
def plot_reconstructions(sw: Sweep, path, title: str | None = None) -> None:
    """The homework's visualisation: originals (top row) and reconstructions per latent size."""
    from hw7core.plotting import save_figure, subplots

    ks = list(sw.recon_examples)
    n = len(sw.examples)
    fig, axes = subplots(len(ks) + 1, n, figsize=(1.1 * n, 1.15 * (len(ks) + 1)),
                         squeeze=False)
    rows = [("input", sw.examples)] + [(f"k={k}", sw.recon_examples[k]) for k in ks]
    for r, (label, imgs) in enumerate(rows):
        for c in range(n):
            ax = axes[r][c]
            ax.imshow(np.clip(imgs[c], 0, 1).reshape(sw.image_shape), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.suptitle(title or f"{sw.kind.upper()} reconstructions on {sw.dataset} (test images)",
                 fontsize=9)
    save_figure(fig, path)


def plot_metrics(sw: Sweep, path) -> None:
    """Test reconstruction error and probe accuracy vs latent size, AE beside PCA."""
    from hw7core.plotting import save_figure, subplots

    ks = [r.k for r in sw.rows]
    fig, (a1, a2) = subplots(1, 2, figsize=(9, 3.4))
    a1.plot(ks, [r.test_mse for r in sw.rows], "o-", label=sw.kind.upper())
    a1.plot(ks, [p.test_mse for p in sw.pca], "s--", label="PCA")
    a1.set_xscale("log", base=2)
    a1.set_yscale("log")
    a1.set_xlabel("latent size k")
    a1.set_ylabel("test MSE per pixel")
    a1.legend()
    a2.plot(ks, [r.probe_acc for r in sw.rows], "o-", label=sw.kind.upper())
    a2.plot(ks, [p.probe.accuracy for p in sw.pca], "s--", label="PCA")
    a2.axhline(sw.raw_probe.accuracy, color="gray", ls=":", label="raw pixels")
    a2.set_xscale("log", base=2)
    a2.set_xlabel("latent size k")
    a2.set_ylabel("linear-probe test accuracy")
    a2.legend()
    fig.suptitle(f"{sw.dataset}: {sw.kind.upper()} vs PCA", fontsize=9)
    save_figure(fig, path)
