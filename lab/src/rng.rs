//! Seeded random streams (ChaCha8): every random choice of the lab comes
//! from a stream named by (seed, purpose), so runs are reproducible and one
//! stage's draws never shift another's.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A ChaCha8 stream for `seed` and a purpose tag (e.g. a rung or budget).
pub fn stream(seed: u64, purpose: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(purpose);
    r
}

/// Standard normal draws by the Box–Muller transform (both outputs used).
pub struct Normal {
    rng: ChaCha8Rng,
    spare: Option<f64>,
}

impl Normal {
    pub fn new(rng: ChaCha8Rng) -> Self {
        Self { rng, spare: None }
    }
    pub fn sample(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // u1 in (0, 1] so ln u1 is finite.
        let u1 = 1.0 - self.rng.random::<f64>();
        let u2 = self.rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let th = std::f64::consts::TAU * u2;
        self.spare = Some(r * th.sin());
        r * th.cos()
    }
}
