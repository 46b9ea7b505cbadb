//! The loss-law objective's inner loop, written once over a lane type so
//! that the same source runs on one row ([`f64`]) or on a block of rows at
//! a time ([`F4`], four rows in SSE2 registers; on x86-64 CPUs that have
//! them, four rows in one AVX2 register or eight in one AVX-512 register)
//! with bit-identical results.
//!
//! Per row i (see [`super::loss`] for the law and the objectives):
//!
//!   t₁ = a − α·ln Nᵢ,  t₂ = b − β·ln Dᵢ,  t₃ = e,
//!   m = max(t₁, t₂, t₃),  s = (e^(t₁−m) + e^(t₂−m)) + e^(t₃−m)
//!   (one term exactly 1),  pred = m + ln s,  r = ln Lᵢ − pred,
//!
//! and the softmax weights w_k = exp(t_k − m)/s give the gradient
//! (∂pred/∂a = w₁, ∂pred/∂α = −w₁·ln N, …). Rows carry a weight cᵢ (1 for a
//! table, the multiplicity for a bootstrap resample): the objective is
//! Σ cᵢ·ρ(rᵢ/scale).
//!
//! **Why it is bit-identical.** Every step is an IEEE addition,
//! subtraction, multiplication, division, comparison or bit operation,
//! applied lane by lane; branches are selects. `exp` and `ln` are this
//! module's own ([`exp_nonpos`], [`ln_1to3`]), built from those operations;
//! their tables are read by index (a gather on AVX2/AVX-512). Rust never
//! contracts a·b + c into a fused multiply-add, so every block performs
//! exactly the operations the [`f64`] instance performs. The per-row terms
//! are added in row order, as a plain loop would (four partial sums would
//! be more accurate but raised the count of grid starts at the best by
//! 1.8%, 2085 → 2123, by moving starts between basins; see `docs/performance.md`);
//! [`sums_scalar`] evaluates one row at a time through the `f64` instance.
//!
//! **Run-time dispatch without machine-dependent results.** [`sums`] picks
//! the widest block the CPU runs ([`Simd::current`]; the environment
//! variable `SDSL_SIMD=baseline|avx2|avx512` caps it). Since every level
//! performs the same operations in the same order, the level changes the
//! speed only: the tests check each level this CPU runs against the scalar
//! twin bit for bit — every lane operation on pairs of special values, and
//! the sums on random and extreme inputs with every tail length — and
//! `tests/it/fit_loss.rs` checks whole fits byte for byte under each
//! `SDSL_SIMD`. On the development machine (AVX-512) the 4500-start grid
//! takes about 3.6 s of CPU on the baseline, 2.3 s with AVX2 and 1.5 s with
//! AVX-512.
//!
//! **Accuracy.** On the domains the objective uses, [`exp_nonpos`] (x ≤ 0)
//! is within 1 ulp of `std`'s, and [`ln_1to3`] ([1, 3]) within 2 ulp, with
//! an absolute error at most 2⁻⁵² (ln s is added to a term of order 1);
//! checked in the tests over 10⁶ points each. The sums agree with a
//! row-by-row twin written with `std::f64::{exp, ln}` to 1e-12 (relative;
//! tests below), and `tests/it/fit_loss.rs` still reproduces Besiroglu et
//! al.'s fit. The learned-scale objective uses `std`'s functions (see
//! [`sums`]).

use std::ops::{Add, Div, Mul, Neg, Sub};

#[cfg(target_arch = "x86_64")]
mod x86;

/// Rows per SIMD block.
pub const LANES: usize = 4;

/// A number type the kernel runs on: one row (`f64`) or four (`F4`).
/// Every method is lane-wise and exact (no rounding beyond the IEEE
/// operation it names).
pub trait Lane:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// A lane-wise condition.
    type Mask: Copy;
    /// Lane-wise 64-bit integers.
    type Bits: Copy;
    /// Every lane `v`.
    fn splat(v: f64) -> Self;
    /// self < o.
    fn lt(self, o: Self) -> Self::Mask;
    /// self ≥ o (false when either is NaN).
    fn ge(self, o: Self) -> Self::Mask;
    /// self ≤ o.
    fn le(self, o: Self) -> Self::Mask;
    /// a and b.
    fn and(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    /// a or b.
    fn or(a: Self::Mask, b: Self::Mask) -> Self::Mask;
    /// not a.
    fn not(a: Self::Mask) -> Self::Mask;
    /// `if m { a } else { b }`.
    fn select(m: Self::Mask, a: Self, b: Self) -> Self;
    /// `if m { a } else { b }` on integers.
    fn select_bits(m: Self::Mask, a: Self::Bits, b: Self::Bits) -> Self::Bits;
    /// |self|.
    fn abs(self) -> Self;
    /// |self| with the sign of `sign`.
    fn copysign(self, sign: Self) -> Self;
    /// The IEEE bits.
    fn to_bits(self) -> Self::Bits;
    /// From IEEE bits.
    fn from_bits(b: Self::Bits) -> Self;
    /// Every lane `v`.
    fn splat_bits(v: u64) -> Self::Bits;
    /// Wrapping a + b.
    fn bits_add(a: Self::Bits, b: Self::Bits) -> Self::Bits;
    /// Wrapping a − b.
    fn bits_sub(a: Self::Bits, b: Self::Bits) -> Self::Bits;
    /// a & b.
    fn bits_and(a: Self::Bits, b: Self::Bits) -> Self::Bits;
    /// a | b.
    fn bits_or(a: Self::Bits, b: Self::Bits) -> Self::Bits;
    /// a << 52.
    fn bits_shl52(a: Self::Bits) -> Self::Bits;
    /// a >> 6.
    fn bits_shr6(a: Self::Bits) -> Self::Bits;
    /// `table[i mod K]` per lane (K a power of two).
    fn lookup<const K: usize>(table: &[f64; K], i: Self::Bits) -> Self;
    /// `std`'s eˣ per lane (a call per lane: not vectorised).
    fn std_exp(self) -> Self;
    /// `std`'s ln per lane (a call per lane: not vectorised).
    fn std_ln(self) -> Self;
}

impl Lane for f64 {
    #[inline(always)]
    fn std_exp(self) -> f64 {
        self.exp()
    }
    #[inline(always)]
    fn std_ln(self) -> f64 {
        self.ln()
    }
    type Mask = bool;
    type Bits = u64;
    #[inline(always)]
    fn splat(v: f64) -> f64 {
        v
    }
    #[inline(always)]
    fn lt(self, o: f64) -> bool {
        self < o
    }
    #[inline(always)]
    fn ge(self, o: f64) -> bool {
        self >= o
    }
    #[inline(always)]
    fn le(self, o: f64) -> bool {
        self <= o
    }
    #[inline(always)]
    fn and(a: bool, b: bool) -> bool {
        a & b
    }
    #[inline(always)]
    fn or(a: bool, b: bool) -> bool {
        a | b
    }
    #[inline(always)]
    fn not(a: bool) -> bool {
        !a
    }
    #[inline(always)]
    fn select(m: bool, a: f64, b: f64) -> f64 {
        if m { a } else { b }
    }
    #[inline(always)]
    fn select_bits(m: bool, a: u64, b: u64) -> u64 {
        if m { a } else { b }
    }
    #[inline(always)]
    fn abs(self) -> f64 {
        f64::abs(self)
    }
    #[inline(always)]
    fn copysign(self, sign: f64) -> f64 {
        f64::copysign(self, sign)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
    #[inline(always)]
    fn from_bits(b: u64) -> f64 {
        f64::from_bits(b)
    }
    #[inline(always)]
    fn splat_bits(v: u64) -> u64 {
        v
    }
    #[inline(always)]
    fn bits_add(a: u64, b: u64) -> u64 {
        a.wrapping_add(b)
    }
    #[inline(always)]
    fn bits_sub(a: u64, b: u64) -> u64 {
        a.wrapping_sub(b)
    }
    #[inline(always)]
    fn bits_and(a: u64, b: u64) -> u64 {
        a & b
    }
    #[inline(always)]
    fn bits_or(a: u64, b: u64) -> u64 {
        a | b
    }
    #[inline(always)]
    fn bits_shl52(a: u64) -> u64 {
        a << 52
    }
    #[inline(always)]
    fn bits_shr6(a: u64) -> u64 {
        a >> 6
    }
    #[inline(always)]
    fn lookup<const K: usize>(table: &[f64; K], i: u64) -> f64 {
        const { assert!(K.is_power_of_two()) };
        table[(i as usize) & (K - 1)]
    }
}

/// Four rows' values (a `wide` vector: two SSE2 registers, or one AVX
/// register when the build enables AVX).
pub type F4 = wide::f64x4;
/// Four lanes of 64-bit integers.
pub type U4 = wide::u64x4;

#[inline(always)]
fn bits4(m: F4) -> U4 {
    wide::bytemuck::cast(m)
}

impl Lane for F4 {
    #[inline(always)]
    fn std_exp(self) -> F4 {
        F4::new(self.to_array().map(f64::exp))
    }
    #[inline(always)]
    fn std_ln(self) -> F4 {
        F4::new(self.to_array().map(f64::ln))
    }
    type Mask = F4;
    type Bits = U4;
    #[inline(always)]
    fn splat(v: f64) -> F4 {
        F4::splat(v)
    }
    #[inline(always)]
    fn lt(self, o: F4) -> F4 {
        self.simd_lt(o)
    }
    #[inline(always)]
    fn ge(self, o: F4) -> F4 {
        self.simd_ge(o)
    }
    #[inline(always)]
    fn le(self, o: F4) -> F4 {
        self.simd_le(o)
    }
    #[inline(always)]
    fn and(a: F4, b: F4) -> F4 {
        a & b
    }
    #[inline(always)]
    fn or(a: F4, b: F4) -> F4 {
        a | b
    }
    #[inline(always)]
    fn not(a: F4) -> F4 {
        F4::from_bits(!bits4(a))
    }
    #[inline(always)]
    fn select(m: F4, a: F4, b: F4) -> F4 {
        // and/andnot/or: exact bits whichever instructions
        F4::from_bits((bits4(m) & a.to_bits()) | (!bits4(m) & b.to_bits()))
    }
    #[inline(always)]
    fn select_bits(m: F4, a: U4, b: U4) -> U4 {
        (bits4(m) & a) | (!bits4(m) & b)
    }
    #[inline(always)]
    fn abs(self) -> F4 {
        F4::from_bits(self.to_bits() & U4::splat(!(1u64 << 63)))
    }
    #[inline(always)]
    fn copysign(self, sign: F4) -> F4 {
        F4::from_bits(
            (self.to_bits() & U4::splat(!(1u64 << 63))) | (sign.to_bits() & U4::splat(1u64 << 63)),
        )
    }
    #[inline(always)]
    fn to_bits(self) -> U4 {
        wide::bytemuck::cast(self)
    }
    #[inline(always)]
    fn from_bits(b: U4) -> F4 {
        wide::bytemuck::cast(b)
    }
    #[inline(always)]
    fn splat_bits(v: u64) -> U4 {
        U4::splat(v)
    }
    #[inline(always)]
    fn bits_add(a: U4, b: U4) -> U4 {
        a + b
    }
    #[inline(always)]
    fn bits_sub(a: U4, b: U4) -> U4 {
        a - b
    }
    #[inline(always)]
    fn bits_and(a: U4, b: U4) -> U4 {
        a & b
    }
    #[inline(always)]
    fn bits_or(a: U4, b: U4) -> U4 {
        a | b
    }
    #[inline(always)]
    fn bits_shl52(a: U4) -> U4 {
        a << 52u32
    }
    #[inline(always)]
    fn bits_shr6(a: U4) -> U4 {
        a >> 6u32
    }
    #[inline(always)]
    fn lookup<const K: usize>(table: &[f64; K], i: U4) -> F4 {
        let i = i.to_array();
        const { assert!(K.is_power_of_two()) };
        F4::new(std::array::from_fn(|l| table[(i[l] as usize) & (K - 1)]))
    }
}

// ln2/64 split so that k·LN2_64_HI is exact for |k| < 2¹⁷ (Cody & Waite):
// the high part keeps 36 significant bits.
const LN2_64_HI: f64 = 0.010830424696223417;
const LN2_64_LO: f64 = 2.572804622327669e-14;
const INV_LN2_64: f64 = 92.33248261689366;
/// 1.5·2⁵²: adding it rounds a double of magnitude < 2⁵¹ to an integer held
/// in the low mantissa bits.
const SHIFTER: f64 = 6_755_399_441_055_744.0;

// Tables: 2^(j/64), j = 0…63, and ln(1 + j/32), j = 0…64, each the correctly
// rounded double of the value computed with Python's `decimal` at 60 digits
// (`float(Decimal(2) ** (Decimal(j) / 64))`, `float((1 + Decimal(j) / 32).ln())`);
// the tests check every entry against `std` to 1 ulp.
#[allow(clippy::approx_constant)]
const EXP2_TABLE: [f64; 64] = [
    1.0,
    1.0108892860517005,
    1.0218971486541166,
    1.0330248790212284,
    1.0442737824274138,
    1.0556451783605572,
    1.0671404006768237,
    1.0787607977571199,
    1.0905077326652577,
    1.102382583307841,
    1.1143867425958924,
    1.1265216186082418,
    1.1387886347566916,
    1.1511892299529827,
    1.1637248587775775,
    1.1763969916502812,
    1.189207115002721,
    1.202156731452703,
    1.215247359980469,
    1.22848053610687,
    1.241857812073484,
    1.255380757024691,
    1.2690509571917332,
    1.2828700160787783,
    1.2968395546510096,
    1.3109612115247644,
    1.3252366431597413,
    1.339667524053303,
    1.3542555469368927,
    1.3690024229745905,
    1.383909881963832,
    1.3989796725383112,
    1.4142135623730951,
    1.42961333839197,
    1.4451808069770467,
    1.460917794180647,
    1.4768261459394993,
    1.4929077282912648,
    1.5091644275934228,
    1.5255981507445384,
    1.5422108254079407,
    1.559004400237837,
    1.5759808451078865,
    1.593142151342267,
    1.6104903319492543,
    1.6280274218573478,
    1.645755478153965,
    1.6636765803267364,
    1.681792830507429,
    1.7001063537185235,
    1.718619298122478,
    1.7373338352737062,
    1.7562521603732995,
    1.7753764925265212,
    1.7947090750031072,
    1.8142521755003989,
    1.8340080864093424,
    1.8539791250833855,
    1.8741676341103,
    1.8945759815869656,
    1.9152065613971474,
    1.9360617934922943,
    1.9571441241754002,
    1.978456026387951,
];

#[allow(clippy::approx_constant)]
const LN_TABLE: [f64; 128] = pad128([
    0.0,
    0.030771658666753687,
    0.06062462181643484,
    0.08961215868968714,
    0.11778303565638346,
    0.1451820098444979,
    0.17185025692665923,
    0.19782574332991987,
    0.22314355131420976,
    0.24783616390458127,
    0.27193371548364176,
    0.2954642128938359,
    0.3184537311185346,
    0.3409265869705932,
    0.3629054936893685,
    0.38441169891033206,
    0.4054651081081644,
    0.4260843953109001,
    0.44628710262841953,
    0.46608972992459924,
    0.4855078157817008,
    0.5045560107523953,
    0.5232481437645479,
    0.5415972824327444,
    0.5596157879354227,
    0.5773153650348236,
    0.5947071077466928,
    0.6118015411059929,
    0.6286086594223741,
    0.6451379613735847,
    0.661398482245365,
    0.6773988235918061,
    0.6931471805599453,
    0.7086513670959106,
    0.723918839226699,
    0.7389567165912395,
    0.7537718023763802,
    0.7683706017975328,
    0.7827593392496325,
    0.7969439742415889,
    0.8109302162163288,
    0.8247235383486646,
    0.8383291904044432,
    0.8517522107365839,
    0.8649974374866045,
    0.8780695190539572,
    0.8909729238898652,
    0.903711949667295,
    0.9162907318741551,
    0.9287132518727123,
    0.9409833444645266,
    0.9531047049968714,
    0.965080896043587,
    0.9769153536905899,
    0.9886113934537812,
    1.0001722158548572,
    1.0116009116784799,
    1.0229004669324133,
    1.0340737675305385,
    1.0451236037171234,
    1.0560526742493137,
    1.0668635903535293,
    1.0775588794702773,
    1.0881409888008142,
    1.0986122886681098,
]);

/// The 65 entries of `LN_TABLE` followed by zeros (a power-of-two length
/// lets a lookup mask its index instead of checking it).
const fn pad128(v: [f64; 65]) -> [f64; 128] {
    let mut out = [0.0; 128];
    let mut i = 0;
    while i < 65 {
        out[i] = v[i];
        i += 1;
    }
    out
}

/// eˣ for x ≤ 0 (or NaN), lane-wise and branch-free; the objective calls
/// it with (term − largest term) only.
///
/// Method (Tang's table-driven algorithm, as in glibc and musl): x =
/// (64k + j)·ln2/64 + r with 64k + j = round(64x/ln 2), r reduced in two
/// parts (|r| ≤ ln2/128 ≈ 0.0054); eˣ = 2ᵏ·2^(j/64)·eʳ with eʳ − 1 =
/// r + r²(1/2 + r(1/6 + r(1/24 + r(1/120 + r/720)))) (truncation < 1e-19)
/// and 2ᵏ added to the table entry's exponent bits. Arguments below −708
/// return 0 (the true value is below 3.4e-308, subnormal or barely normal:
/// flushed); NaN propagates. Positive arguments are outside the domain.
#[inline(always)]
pub fn exp_nonpos<L: Lane>(x: L) -> L {
    let lo = L::splat(-708.0);
    let under = L::lt(x, lo);
    let xc = L::select(under, lo, x);
    let shifted = xc * L::splat(INV_LN2_64) + L::splat(SHIFTER);
    let kf = shifted - L::splat(SHIFTER);
    // ki = 64k + j as a two's-complement integer; ki ≥ −65371 here
    let ki = L::bits_sub(shifted.to_bits(), L::splat_bits(SHIFTER.to_bits()));
    let r = (xc - kf * L::splat(LN2_64_HI)) - kf * L::splat(LN2_64_LO);
    let t = L::lookup(&EXP2_TABLE, ki);
    // k + 1023 = (ki + 64·1023) >> 6 (floor division of a non-negative)
    let biased = L::bits_shr6(L::bits_add(ki, L::splat_bits(64 * 1023)));
    let k_bits = L::bits_shl52(L::bits_sub(biased, L::splat_bits(1023)));
    let scale = L::from_bits(L::bits_add(t.to_bits(), k_bits));
    let mut p = L::splat(1.0 / 720.0);
    p = p * r + L::splat(1.0 / 120.0);
    p = p * r + L::splat(1.0 / 24.0);
    p = p * r + L::splat(1.0 / 6.0);
    p = p * r + L::splat(0.5);
    let em1 = r + r * r * p;
    let y = scale + scale * em1;
    L::select(under, L::splat(0.0), y)
}

/// ln x for 1 ≤ x ≤ 3 (or NaN), lane-wise and branch-free: the objective
/// takes the log of 1 plus two exponentials of non-positive numbers.
///
/// Method: c = 1 + j/32 with j = round(32(x − 1)), so |x − c| ≤ 1/64 and
/// x − c is exact (Sterbenz); z = (x − c)/(x + c) (|z| ≤ 0.0078) and
/// ln x = ln c + 2·atanh z = ln c + 2z + 2z·w(1/3 + w(1/5 + w/7)), w = z²
/// (truncation < 2e-19). Within 2 ulp of `std`'s ln (absolute error at most
/// 2⁻⁵²). NaN propagates; other arguments outside [1, 3] are outside
/// the domain.
#[inline(always)]
pub fn ln_1to3<L: Lane>(x: L) -> L {
    let one = L::splat(1.0);
    let shifted = (x - one) * L::splat(32.0) + L::splat(SHIFTER);
    let j = L::bits_sub(shifted.to_bits(), L::splat_bits(SHIFTER.to_bits()));
    let c = one + (shifted - L::splat(SHIFTER)) * L::splat(1.0 / 32.0);
    let z = (x - c) / (x + c);
    let w = z * z;
    let mut p = L::splat(1.0 / 7.0);
    p = p * w + L::splat(1.0 / 5.0);
    p = p * w + L::splat(1.0 / 3.0);
    let z2 = z + z;
    L::lookup(&LN_TABLE, j) + (z2 + z2 * w * p)
}

/// The law's coordinates for one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Theta {
    /// ln A.
    pub a: f64,
    /// ln B.
    pub b: f64,
    /// ln E.
    pub e: f64,
    /// α.
    pub alpha: f64,
    /// β.
    pub beta: f64,
}

/// The robust loss ρ(u) and ψ(u) = ρ'(u) of one residual.
pub trait Rho: Copy {
    /// (ρ(u), ψ(u)), lane-wise.
    fn rho<L: Lane>(&self, u: L) -> (L, L);
}

/// ½u² inside ±δ, δ(|u| − ½δ) outside.
#[derive(Debug, Clone, Copy)]
pub struct Huber(pub f64);

impl Rho for Huber {
    #[inline(always)]
    fn rho<L: Lane>(&self, u: L) -> (L, L) {
        let d = L::splat(self.0);
        let inside = L::le(u.abs(), d);
        let h = L::select(
            inside,
            L::splat(0.5) * u * u,
            d * (u.abs() - L::splat(0.5 * self.0)),
        );
        let psi = L::select(inside, u, d.copysign(u));
        (h, psi)
    }
}

/// u².
#[derive(Debug, Clone, Copy)]
pub struct Square;

impl Rho for Square {
    #[inline(always)]
    fn rho<L: Lane>(&self, u: L) -> (L, L) {
        (u * u, L::splat(2.0) * u)
    }
}

/// The weighted sums of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sums {
    /// Σ cᵢ·ρ(uᵢ), uᵢ = rᵢ/scale.
    pub f: f64,
    /// Its gradient in θ order [a, b, e, α, β].
    pub g: [f64; 5],
    /// Σ cᵢ·ψ(uᵢ)·uᵢ (for a learned scale).
    pub psi_u: f64,
}

/// One row's (or four rows') terms of the sums, in the order of
/// [`Sums`]: c·ρ(u), c·ψ(u)·u, then the gradient's five terms in θ order
/// [a, b, e, α, β].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn row<L: Lane, R: Rho, const STD_MATH: bool>(
    t: &Theta,
    rho: R,
    inv_scale: f64,
    ln_n: L,
    ln_d: L,
    ln_l: L,
    c: L,
) -> [L; 7] {
    let t1 = L::splat(t.a) - L::splat(t.alpha) * ln_n;
    let t2 = L::splat(t.b) - L::splat(t.beta) * ln_d;
    let t3 = L::splat(t.e);
    // the largest term and the other two, by selects (a NaN in any term
    // reaches s and so the objective)
    let first = L::and(L::ge(t1, t2), L::ge(t1, t3));
    let second = L::and(L::not(first), L::ge(t2, t3));
    let first_or_second = L::or(first, second);
    let m = L::select(first, t1, L::select(second, t2, t3));
    let x = L::select(first, t2, t1);
    let y = L::select(first_or_second, t3, t2);
    let (ex, ey) = if STD_MATH {
        ((x - m).std_exp(), (y - m).std_exp())
    } else {
        (exp_nonpos(x - m), exp_nonpos(y - m))
    };
    let one = L::splat(1.0);
    // the three weights' numerators exp(t_k − m), one of them exactly 1;
    // s adds them in term order
    let w1 = L::select(first, one, ex);
    let w2 = L::select(first, ex, L::select(second, one, ey));
    let w3 = L::select(first_or_second, ey, one);
    let s = (w1 + w2) + w3;
    let pred = m + if STD_MATH { s.std_ln() } else { ln_1to3(s) };
    let u = (ln_l - pred) * L::splat(inv_scale);
    let (h, psi) = rho.rho(u);
    // ∂(cρ)/∂pred = −c·ψ/scale, times the weight exp(t_k − m)/s
    let q = -((c * psi * L::splat(inv_scale)) / s);
    [
        c * h,
        c * psi * u,
        q * w1,
        q * w2,
        q * w3,
        -(q * w1 * ln_n),
        -(q * w2 * ln_d),
    ]
}

fn finish(acc: [f64; 7]) -> Sums {
    Sums {
        f: acc[0],
        psi_u: acc[1],
        g: [acc[2], acc[3], acc[4], acc[5], acc[6]],
    }
}

/// The table the sums run over: ln N, ln D, ln L and the weight c of each
/// row, four columns of one length.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    ln_n: &'a [f64],
    ln_d: &'a [f64],
    ln_l: &'a [f64],
    c: &'a [f64],
}

impl<'a> Columns<'a> {
    /// The four columns.
    ///
    /// # Panics
    /// When their lengths differ (a caller's bug, not bad input: `LossData`
    /// builds them together).
    pub fn new(ln_n: &'a [f64], ln_d: &'a [f64], ln_l: &'a [f64], c: &'a [f64]) -> Self {
        let rows = ln_l.len();
        assert!(
            ln_n.len() == rows && ln_d.len() == rows && c.len() == rows,
            "the kernel's columns have different lengths"
        );
        Columns {
            ln_n,
            ln_d,
            ln_l,
            c,
        }
    }
}

/// A SIMD block of rows: a [`Lane`] that loads `WIDTH` rows and adds a
/// block's per-row terms to the sums in row order.
pub trait Block: Lane {
    /// Rows per block.
    const WIDTH: usize;
    /// The running sums of the seven terms.
    type Acc: Copy;
    /// The block of `v[..WIDTH]` (`v` holds at least `WIDTH` values).
    fn load(v: &[f64]) -> Self;
    /// The lanes in row order (the rest zero), for the tests.
    #[cfg(test)]
    fn lanes(self) -> [f64; MAX_WIDTH];
    /// Sums of zero.
    fn acc_zero() -> Self::Acc;
    /// Adds the terms of the block's first `rows` rows, row by row: term j
    /// of row k is added to sum j before row k + 1's — the additions of a
    /// plain loop over the rows, in its order.
    fn accumulate(acc: &mut Self::Acc, terms: [Self; 7], rows: usize);
    /// The seven sums.
    fn acc_finish(acc: Self::Acc) -> [f64; 7];
}

impl Block for F4 {
    const WIDTH: usize = 4;
    type Acc = [F4; 2];
    #[inline(always)]
    fn load(v: &[f64]) -> F4 {
        F4::new(v[..4].try_into().expect("four rows"))
    }
    #[cfg(test)]
    fn lanes(self) -> [f64; MAX_WIDTH] {
        let a = self.to_array();
        std::array::from_fn(|k| if k < 4 { a[k] } else { 0.0 })
    }
    #[inline(always)]
    fn acc_zero() -> [F4; 2] {
        [F4::splat(0.0); 2]
    }
    #[inline(always)]
    fn accumulate(acc: &mut [F4; 2], terms: [F4; 7], rows: usize) {
        // acc[0] holds the sums of terms 0–3, acc[1] of terms 4–6 (and a
        // zero lane): transposing makes row k's seven terms two vectors
        let lo = F4::transpose([terms[0], terms[1], terms[2], terms[3]]);
        let hi = F4::transpose([terms[4], terms[5], terms[6], F4::splat(0.0)]);
        for k in 0..rows {
            acc[0] += lo[k];
            acc[1] += hi[k];
        }
    }
    #[inline(always)]
    fn acc_finish(acc: [F4; 2]) -> [f64; 7] {
        let (a, b) = (acc[0].to_array(), acc[1].to_array());
        [a[0], a[1], a[2], a[3], b[0], b[1], b[2]]
    }
}

/// Σ over rows of the per-row terms, computed a block of rows at a time and
/// added in row order — the order of a plain loop over the rows, so
/// vectorising only the per-row work keeps the fits' trajectories those of
/// row-by-row code, whatever the block.
#[inline(always)]
fn sums_in<B: Block, R: Rho, const STD_MATH: bool>(
    t: &Theta,
    rho: R,
    inv_scale: f64,
    cols: Columns<'_>,
) -> Sums {
    let Columns {
        ln_n,
        ln_d,
        ln_l,
        c,
    } = cols;
    let w = B::WIDTH;
    let rows = ln_l.len();
    let mut acc = B::acc_zero();
    let full = rows / w * w;
    for (((n, d), l), cw) in ln_n[..full]
        .chunks_exact(w)
        .zip(ln_d[..full].chunks_exact(w))
        .zip(ln_l[..full].chunks_exact(w))
        .zip(c[..full].chunks_exact(w))
    {
        let terms = row::<B, R, STD_MATH>(
            t,
            rho,
            inv_scale,
            B::load(n),
            B::load(d),
            B::load(l),
            B::load(cw),
        );
        B::accumulate(&mut acc, terms, w);
    }
    if full < rows {
        // the tail: lanes past the end repeat the tail's first row and are
        // not added
        let tail = |v: &[f64]| {
            let buf: [f64; MAX_WIDTH] =
                std::array::from_fn(|k| v.get(full + k).copied().unwrap_or(v[full]));
            B::load(&buf)
        };
        let terms = row::<B, R, STD_MATH>(
            t,
            rho,
            inv_scale,
            tail(ln_n),
            tail(ln_d),
            tail(ln_l),
            tail(c),
        );
        B::accumulate(&mut acc, terms, rows - full);
    }
    finish(B::acc_finish(acc))
}

/// The widest block.
const MAX_WIDTH: usize = 8;

/// The instruction set the kernel's blocks use. Every level gives the same
/// bits (see the module documentation); they differ only in speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Simd {
    /// Four rows as [`F4`]: SSE2 on x86-64 (its baseline), NEON on aarch64,
    /// plain arrays elsewhere.
    Baseline,
    /// Four rows in one AVX register (x86-64 with AVX2).
    Avx2,
    /// Eight rows in one AVX-512 register (x86-64 with AVX-512F).
    Avx512,
}

impl Simd {
    /// Its name, as `SDSL_SIMD` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Simd::Baseline => "baseline",
            Simd::Avx2 => "avx2",
            Simd::Avx512 => "avx512",
        }
    }

    /// The levels this CPU runs, lowest first.
    pub fn available() -> Vec<Simd> {
        // only x86_64 adds levels (the wasm calculator and aarch64 do not)
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut v = vec![Simd::Baseline];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                v.push(Simd::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                v.push(Simd::Avx512);
            }
        }
        v
    }

    /// The cap the environment variable `SDSL_SIMD` asks for: None when it
    /// is unset or empty; an error naming the accepted values when it is
    /// not one of them (`baseline`, `avx2`, `avx512`, in any case).
    pub fn requested() -> Result<Option<Simd>, String> {
        let v = match std::env::var("SDSL_SIMD") {
            Ok(v) => v,
            Err(std::env::VarError::NotPresent) => return Ok(None),
            // set, but not text: refused like any other unknown value
            Err(std::env::VarError::NotUnicode(raw)) => {
                return Err(format!(
                    "SDSL_SIMD={raw:?} is not valid UTF-8: expected baseline, avx2 or avx512 (or unset for the widest this CPU runs)"
                ));
            }
        };
        match v.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "baseline" => Ok(Some(Simd::Baseline)),
            "avx2" => Ok(Some(Simd::Avx2)),
            "avx512" => Ok(Some(Simd::Avx512)),
            _ => Err(format!(
                "SDSL_SIMD='{v}': expected baseline, avx2 or avx512 (or unset for the widest this CPU runs)"
            )),
        }
    }

    /// The level the fits use: the highest this CPU runs, or, when
    /// `SDSL_SIMD` names a level, the highest available at or below it (the
    /// command line refuses a value it does not know; the library then uses
    /// the highest). Read once per process. Results do not depend on it.
    pub fn current() -> Simd {
        static LEVEL: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
        *LEVEL.get_or_init(|| {
            let cap = Simd::requested().ok().flatten().unwrap_or(Simd::Avx512);
            Simd::available()
                .into_iter()
                .filter(|&l| l <= cap)
                .max()
                .unwrap_or(Simd::Baseline)
        })
    }
}

/// Σ over rows of the per-row terms at [`Simd::current`]'s level (see
/// [`sums_at`]).
///
/// With `STD_MATH` the exponentials and the log are `std`'s, lane by lane
/// (nearly always correctly rounded; not vectorised): the learned-scale
/// objective divides every residual by a scale of ≈ 5e-6, which turns this
/// module's 1–2 ulp into objective noise that stopped L-BFGS short
/// (gradient 0.13 against 3e-5). The other objectives use [`exp_nonpos`]
/// and [`ln_1to3`].
#[inline]
pub fn sums<R: Rho, const STD_MATH: bool>(
    t: &Theta,
    rho: R,
    inv_scale: f64,
    cols: Columns<'_>,
) -> Sums {
    sums_at::<R, STD_MATH>(Simd::current(), t, rho, inv_scale, cols)
}

/// Σ over rows of the per-row terms with the blocks of `level` (the
/// baseline where this CPU lacks it): the same bits at every level.
pub fn sums_at<R: Rho, const STD_MATH: bool>(
    level: Simd,
    t: &Theta,
    rho: R,
    inv_scale: f64,
    cols: Columns<'_>,
) -> Sums {
    #[cfg(target_arch = "x86_64")]
    {
        if level == Simd::Avx512 && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked on this line).
            return unsafe { x86::sums_avx512::<R, STD_MATH>(t, rho, inv_scale, cols) };
        }
        if level >= Simd::Avx2 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked on this line).
            return unsafe { x86::sums_avx2::<R, STD_MATH>(t, rho, inv_scale, cols) };
        }
    }
    let _ = level;
    sums_in::<F4, R, STD_MATH>(t, rho, inv_scale, cols)
}

/// The scalar twin of [`sums`]: one row at a time through the `f64`
/// instance of the same per-row code. For the tests' bit-for-bit check; not
/// used by the fits.
#[doc(hidden)]
#[inline(never)]
pub fn sums_scalar<R: Rho, const STD_MATH: bool>(
    t: &Theta,
    rho: R,
    inv_scale: f64,
    cols: Columns<'_>,
) -> Sums {
    let Columns {
        ln_n,
        ln_d,
        ln_l,
        c,
    } = cols;
    let mut acc = [0.0; 7];
    for i in 0..ln_l.len() {
        let terms = row::<_, _, STD_MATH>(t, rho, inv_scale, ln_n[i], ln_d[i], ln_l[i], c[i]);
        for (a, v) in acc.iter_mut().zip(terms) {
            *a += v;
        }
    }
    finish(acc)
}

/// Every [`Lane`] operation the kernel uses, applied to lanes (a, b) —
/// comparisons and their logic as 0/1 flags, selects, sign and bit
/// operations, arithmetic, the table functions and a table read, Huber's ρ
/// and ψ — for the tests that compare each SIMD level with the `f64`
/// instance operation by operation.
#[cfg(test)]
#[inline(always)]
fn probe<L: Lane>(a: L, b: L) -> [L; PROBES] {
    let (zero, one) = (L::splat(0.0), L::splat(1.0));
    let flag = |m: L::Mask| L::select(m, one, zero);
    let (h, psi) = Huber(1e-3).rho(a);
    let ab = L::bits_and(a.to_bits(), L::splat_bits(0xffff_0000_0000_ffff));
    [
        flag(a.lt(b)),
        flag(a.ge(b)),
        flag(a.le(b)),
        flag(L::and(a.lt(b), b.le(a))),
        flag(L::or(a.lt(b), a.ge(b))),
        flag(L::not(a.le(b))),
        L::select(a.ge(b), a, b),
        L::from_bits(L::select_bits(a.lt(b), a.to_bits(), b.to_bits())),
        a.abs(),
        a.copysign(b),
        -a,
        a + b,
        a - b,
        a * b,
        a / b,
        exp_nonpos(a),
        ln_1to3(a),
        L::from_bits(L::bits_or(ab, L::bits_shl52(L::bits_shr6(b.to_bits())))),
        L::from_bits(L::bits_shr6(a.to_bits())),
        L::from_bits(L::bits_sub(
            L::bits_add(a.to_bits(), b.to_bits()),
            L::splat_bits(12345),
        )),
        L::lookup(&LN_TABLE, a.to_bits()),
        h,
        psi,
    ]
}

/// The number of [`probe`] results.
#[cfg(test)]
const PROBES: usize = 23;

/// [`probe`] on pairs (a[i], b[i]), a block at a time (lengths a multiple
/// of the block's width): one row of results per pair.
#[cfg(test)]
#[inline(always)]
fn probe_blocks<B: Block>(a: &[f64], b: &[f64]) -> Vec<[f64; PROBES]> {
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.chunks_exact(B::WIDTH).zip(b.chunks_exact(B::WIDTH)) {
        let lanes = probe(B::load(x), B::load(y)).map(|v| v.lanes());
        out.extend((0..B::WIDTH).map(|k| std::array::from_fn(|j| lanes[j][k])));
    }
    out
}

/// [`probe_blocks`] with the blocks of `level`, or None when this CPU lacks
/// it.
#[cfg(test)]
fn probe_at(level: Simd, a: &[f64], b: &[f64]) -> Option<Vec<[f64; PROBES]>> {
    if !Simd::available().contains(&level) {
        return None;
    }
    match level {
        Simd::Baseline => Some(probe_blocks::<F4>(a, b)),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has the level (checked above).
        Simd::Avx2 => Some(unsafe { x86::probe_avx2(a, b) }),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Simd::Avx512 => Some(unsafe { x86::probe_avx512(a, b) }),
        #[cfg(not(target_arch = "x86_64"))]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64: a deterministic stream of test inputs.
    struct Mix(u64);
    impl Mix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        /// Uniform in [lo, hi).
        fn unif(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Distance in units in the last place between two positive doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn tables_match_std_to_one_ulp() {
        for (j, &t) in EXP2_TABLE.iter().enumerate() {
            assert!(ulps(t, (j as f64 / 64.0).exp2()) <= 1, "2^({j}/64)");
        }
        for (j, &t) in LN_TABLE[..65].iter().enumerate() {
            let want = (j as f64 / 32.0).ln_1p();
            assert!(ulps(t, want) <= 1, "ln(1 + {j}/32)");
        }
        assert!(LN_TABLE[65..].iter().all(|&v| v == 0.0));
        // the split of ln2/64: the high part times any k < 2^17 is exact
        assert_eq!(LN2_64_HI.to_bits() & ((1 << 17) - 1), 0);
        let (hi, lo) = (LN2_64_HI, LN2_64_LO);
        assert!(((hi + lo) - std::f64::consts::LN_2 / 64.0).abs() <= 1e-18);
    }

    #[test]
    fn exp_is_within_one_ulp_of_std_on_its_domain() {
        let mut r = Mix(1);
        let mut worst = 0;
        for i in 0..1_000_000 {
            // dense near 0, where the objective lives, and down to −708
            let x = if i % 2 == 0 {
                r.unif(-40.0, 0.0)
            } else {
                r.unif(-708.0, 0.0)
            };
            let (got, want) = (exp_nonpos(x), x.exp());
            worst = worst.max(ulps(got, want));
        }
        assert!(worst <= 1, "worst {worst} ulp");
        assert_eq!(exp_nonpos(0.0), 1.0);
        assert_eq!(exp_nonpos(-0.0), 1.0);
        assert_eq!(exp_nonpos(-708.5), 0.0);
        assert_eq!(exp_nonpos(f64::NEG_INFINITY), 0.0);
        assert!(exp_nonpos(f64::NAN).is_nan());
    }

    #[test]
    fn ln_is_within_two_ulp_of_std_on_its_domain() {
        let mut r = Mix(2);
        let (mut worst, mut worst_abs) = (0, 0.0f64);
        for i in 0..1_000_000 {
            let x = if i % 2 == 0 {
                1.0 + r.unif(0.0, 1e-3)
            } else {
                r.unif(1.0, 3.0)
            };
            let (got, want) = (ln_1to3(x), x.ln());
            worst = worst.max(ulps(got, want));
            worst_abs = worst_abs.max((got - want).abs());
        }
        // the objective adds ln s to a term of order 1: the absolute error
        // is what reaches it
        assert!(worst <= 2, "worst {worst} ulp");
        assert!(
            worst_abs <= 2f64.powi(-52),
            "worst absolute error {worst_abs:e}"
        );
        assert_eq!(ln_1to3(1.0), 0.0);
        assert_eq!(ln_1to3(3.0), 3f64.ln());
        assert!(ln_1to3(f64::NAN).is_nan());
    }

    /// A table whose rows look like the loss data (ln N 15–25, ln D 19–28).
    fn table(r: &mut Mix, n: usize) -> [Vec<f64>; 4] {
        let mut t: [Vec<f64>; 4] = Default::default();
        for _ in 0..n {
            t[0].push(r.unif(15.0, 25.0));
            t[1].push(r.unif(19.0, 28.0));
            t[2].push(r.unif(0.5, 1.6));
            t[3].push((r.next() % 4) as f64);
        }
        t
    }

    fn theta(r: &mut Mix) -> Theta {
        Theta {
            a: r.unif(-2.0, 26.0),
            b: r.unif(-2.0, 26.0),
            e: r.unif(-1.5, 1.5),
            alpha: r.unif(-0.2, 2.2),
            beta: r.unif(-0.2, 2.2),
        }
    }

    /// The bits of a result; every NaN counts as one (a NaN's payload
    /// carries no meaning here).
    fn bits(s: Sums) -> Vec<u64> {
        let mut v = vec![s.f, s.psi_u];
        v.extend(s.g);
        v.into_iter()
            .map(|x| if x.is_nan() { u64::MAX } else { x.to_bits() })
            .collect()
    }

    /// The SIMD sums equal their scalar twin bit for bit at every level
    /// this CPU runs, for every tail length and across the objectives.
    #[test]
    fn simd_sums_are_bit_identical_to_the_scalar_twin() {
        let levels = Simd::available();
        let mut r = Mix(3);
        for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 16, 17, 63, 240, 241] {
            let [ln_n, ln_d, ln_l, c] = table(&mut r, n);
            for _ in 0..50 {
                let t = theta(&mut r);
                let inv = r.unif(0.2, 5.0);
                let h = Huber(r.unif(1e-4, 0.1));
                let want = [
                    sums_scalar::<_, false>(&t, h, inv, Columns::new(&ln_n, &ln_d, &ln_l, &c)),
                    sums_scalar::<_, true>(&t, h, inv, Columns::new(&ln_n, &ln_d, &ln_l, &c)),
                    sums_scalar::<_, false>(&t, Square, 1.0, Columns::new(&ln_n, &ln_d, &ln_l, &c)),
                ];
                for &level in &levels {
                    let got = [
                        sums_at::<_, false>(
                            level,
                            &t,
                            h,
                            inv,
                            Columns::new(&ln_n, &ln_d, &ln_l, &c),
                        ),
                        sums_at::<_, true>(
                            level,
                            &t,
                            h,
                            inv,
                            Columns::new(&ln_n, &ln_d, &ln_l, &c),
                        ),
                        sums_at::<_, false>(
                            level,
                            &t,
                            Square,
                            1.0,
                            Columns::new(&ln_n, &ln_d, &ln_l, &c),
                        ),
                    ];
                    for (k, what) in ["huber", "huber with std math", "lsq"].iter().enumerate() {
                        assert_eq!(
                            bits(got[k]),
                            bits(want[k]),
                            "{what}, {level:?}, {n} rows, {t:?}"
                        );
                    }
                }
            }
        }
    }

    /// The same at the edges of the domain: terms far apart (exponentials
    /// that underflow to 0), ties between the three terms (rows with
    /// ln N = ln D = 0 and θ with a = b = e), zero weights, and tables with
    /// finite extremes (±0, a subnormal, ±800, 1e300), with infinities, and
    /// with NaN — each kind in tables of its own, so that a NaN does not
    /// turn every sum of a table into NaN; tails of every length mod 8.
    #[test]
    fn simd_levels_agree_on_extreme_inputs() {
        let mut r = Mix(5);
        let pools: [(&str, &[f64]); 4] = [
            ("ordinary", &[]),
            (
                "finite extremes",
                &[0.0, -0.0, 1e-310, 800.0, -800.0, 1e300],
            ),
            ("infinities", &[f64::INFINITY, f64::NEG_INFINITY]),
            ("NaN", &[f64::NAN]),
        ];
        for (kind, pool) in pools {
            let (mut compared, mut finite) = (0usize, 0usize);
            for n in [1, 2, 3, 5, 6, 7, 8, 11, 14, 17, 40] {
                let [mut ln_n, mut ln_d, mut ln_l, mut c] = table(&mut r, n);
                for i in 0..n {
                    match r.next() % 8 {
                        0 | 1 if !pool.is_empty() => {
                            let v = pool[(r.next() % pool.len() as u64) as usize];
                            [&mut ln_n, &mut ln_d, &mut ln_l][(r.next() % 3) as usize][i] = v;
                        }
                        2 => c[i] = 0.0,
                        3 => {
                            ln_n[i] = 0.0;
                            ln_d[i] = 0.0;
                        }
                        _ => {}
                    }
                }
                for k in 0..40 {
                    let mut t = theta(&mut r);
                    match k % 4 {
                        // a term 1000 below another: exp underflows
                        0 => t.alpha = 60.0,
                        // ties: t1 = t2 = t3 on the rows with ln N = ln D = 0
                        1 => {
                            t.a = t.e;
                            t.b = t.e;
                        }
                        2 => t.beta = -40.0,
                        _ => {}
                    }
                    let cols = Columns::new(&ln_n, &ln_d, &ln_l, &c);
                    let want = sums_scalar::<_, false>(&t, Huber(1e-3), 1.0, cols);
                    compared += 7;
                    finite += bits(want).iter().filter(|&&b| b != u64::MAX).count();
                    for level in Simd::available() {
                        let got = sums_at::<_, false>(level, &t, Huber(1e-3), 1.0, cols);
                        assert_eq!(bits(got), bits(want), "{kind}: {level:?}, {n} rows, {t:?}");
                    }
                }
            }
            // the comparisons are not all NaN against NaN
            if kind != "NaN" {
                assert!(
                    finite * 2 >= compared,
                    "{kind}: only {finite} of {compared} sums are not NaN"
                );
            }
        }
    }

    /// Every lane operation at every level this CPU runs equals the `f64`
    /// instance's, bit for bit, on all pairs of special values (±0, ±1,
    /// subnormals, ±inf, NaN, the exp cut-off −708 and its neighbours, ±δ,
    /// the ends of ln's domain, huge values) and on random pairs.
    #[test]
    fn every_lane_operation_matches_f64_at_every_level() {
        let special = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            1e-310,
            -1e-310,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -708.0,
            -708.0000000000001,
            -707.9999999999999,
            -0.5,
            1e-3,
            -1e-3,
            3.0,
            2.9999999999999996,
            800.0,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for &x in &special {
            for &y in &special {
                a.push(x);
                b.push(y);
            }
        }
        let mut r = Mix(11);
        while a.len() % MAX_WIDTH != 0 || a.len() < 1000 {
            a.push(r.unif(-750.0, 5.0));
            b.push(r.unif(-5.0, 5.0));
        }
        let want: Vec<[f64; PROBES]> = a.iter().zip(&b).map(|(&x, &y)| probe(x, y)).collect();
        let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
        let mut levels = Vec::new();
        for level in [Simd::Baseline, Simd::Avx2, Simd::Avx512] {
            let Some(got) = probe_at(level, &a, &b) else {
                continue;
            };
            levels.push(level.name());
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                for j in 0..PROBES {
                    assert!(
                        same(g[j], w[j]),
                        "{level:?}: probe {j} at ({:e}, {:e}): {:e} against f64's {:e}",
                        a[i],
                        b[i],
                        g[j],
                        w[j]
                    );
                }
            }
        }
        eprintln!("SIMD levels checked on this CPU: {}", levels.join(", "));
    }

    /// An independent twin: the sums written directly with `std`'s exp and
    /// ln, row by row, agree to rounding.
    #[test]
    fn sums_agree_with_a_std_math_twin() {
        let mut r = Mix(4);
        let [ln_n, ln_d, ln_l, c] = table(&mut r, 240);
        for _ in 0..200 {
            let t = theta(&mut r);
            let delta = 1e-3;
            let (mut f, mut g) = (0.0, [0.0f64; 5]);
            for i in 0..240 {
                let terms = [t.a - t.alpha * ln_n[i], t.b - t.beta * ln_d[i], t.e];
                let pred = terms.iter().map(|v| v.exp()).sum::<f64>().ln();
                let w: Vec<f64> = terms.iter().map(|v| (v - pred).exp()).collect();
                let res = ln_l[i] - pred;
                let (h, psi) = if res.abs() <= delta {
                    (0.5 * res * res, res)
                } else {
                    (delta * (res.abs() - 0.5 * delta), delta * res.signum())
                };
                f += c[i] * h;
                let q = -c[i] * psi;
                g[0] += q * w[0];
                g[1] += q * w[1];
                g[2] += q * w[2];
                g[3] -= q * w[0] * ln_n[i];
                g[4] -= q * w[1] * ln_d[i];
            }
            let s = sums::<_, false>(&t, Huber(delta), 1.0, Columns::new(&ln_n, &ln_d, &ln_l, &c));
            let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-12 * scale.max(1e-300);
            assert!(close(s.f, f, f.abs()), "{t:?}: {} vs {f}", s.f);
            let gs = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (j, (got, want)) in s.g.iter().zip(g).enumerate() {
                assert!(close(*got, want, gs), "{t:?} g[{j}]: {got} vs {want}");
            }
        }
    }
}
