//! AVX2 and AVX-512 blocks for the loss kernel: [`Y4`] (four rows in one
//! 256-bit register) and [`Z8`] (eight rows in one 512-bit register),
//! written with `core::arch` intrinsics.
//!
//! **Why they give the baseline's bits.** Every [`Lane`] method is one IEEE
//! operation per lane (`vaddpd`, `vmulpd`, `vdivpd`, …, never a fused
//! multiply-add), an exact bit operation, an exact comparison, an exact
//! select (a mask blend), or a table load (a gather). The per-row terms are
//! added to the sums in row order (a transpose, then one vector addition
//! per row), as in the baseline and the scalar twin. So a block performs,
//! lane by lane, the operations the `f64` instance performs, in the same
//! order; the tests in the parent module check it bit for bit on every
//! level the machine has.
//!
//! **Safety.** The intrinsics need the CPU feature at run time. The block
//! types are private to this module and only built inside [`sums_avx2`] and
//! [`sums_avx512`] (and the tests' probes), which the parent module calls
//! only after `is_x86_feature_detected!` confirmed the feature. Every method
//! is `#[inline(always)]`, so the intrinsics are compiled into those
//! `#[target_feature]` functions (were one left out of line, it would be
//! slower, not wrong).

use super::{Block, Columns, Lane, Rho, Sums, Theta, sums_in};
use std::arch::x86_64::*;
use std::ops::{Add, Div, Mul, Neg, Sub};

const SIGN: u64 = 1 << 63;

/// Four rows in an AVX register.
#[derive(Clone, Copy)]
struct Y4(__m256d);

// SAFETY (every `unsafe` block in this impl and Y4's operators): AVX2 is
// available — see the module documentation.
macro_rules! y4_op {
    ($tr:ident, $f:ident, $intr:ident) => {
        impl $tr for Y4 {
            type Output = Y4;
            #[inline(always)]
            fn $f(self, o: Y4) -> Y4 {
                Y4(unsafe { $intr(self.0, o.0) })
            }
        }
    };
}
y4_op!(Add, add, _mm256_add_pd);
y4_op!(Sub, sub, _mm256_sub_pd);
y4_op!(Mul, mul, _mm256_mul_pd);
y4_op!(Div, div, _mm256_div_pd);

impl Neg for Y4 {
    type Output = Y4;
    #[inline(always)]
    fn neg(self) -> Y4 {
        Y4::from_bits(unsafe { _mm256_xor_si256(self.to_bits(), _mm256_set1_epi64x(SIGN as i64)) })
    }
}

impl Lane for Y4 {
    type Mask = __m256d;
    type Bits = __m256i;
    #[inline(always)]
    fn splat(v: f64) -> Y4 {
        Y4(unsafe { _mm256_set1_pd(v) })
    }
    #[inline(always)]
    fn lt(self, o: Y4) -> __m256d {
        unsafe { _mm256_cmp_pd::<_CMP_LT_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn ge(self, o: Y4) -> __m256d {
        unsafe { _mm256_cmp_pd::<_CMP_GE_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn le(self, o: Y4) -> __m256d {
        unsafe { _mm256_cmp_pd::<_CMP_LE_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn and(a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_and_pd(a, b) }
    }
    #[inline(always)]
    fn or(a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_or_pd(a, b) }
    }
    #[inline(always)]
    fn not(a: __m256d) -> __m256d {
        unsafe { _mm256_xor_pd(a, _mm256_castsi256_pd(_mm256_set1_epi64x(-1))) }
    }
    #[inline(always)]
    fn select(m: __m256d, a: Y4, b: Y4) -> Y4 {
        // masks are all ones or all zeros per lane: the blend is exact
        Y4(unsafe { _mm256_blendv_pd(b.0, a.0, m) })
    }
    #[inline(always)]
    fn select_bits(m: __m256d, a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_blendv_epi8(b, a, _mm256_castpd_si256(m)) }
    }
    #[inline(always)]
    fn abs(self) -> Y4 {
        Y4::from_bits(unsafe { _mm256_and_si256(self.to_bits(), _mm256_set1_epi64x(!SIGN as i64)) })
    }
    #[inline(always)]
    fn copysign(self, sign: Y4) -> Y4 {
        unsafe {
            let mag = _mm256_and_si256(self.to_bits(), _mm256_set1_epi64x(!SIGN as i64));
            let s = _mm256_and_si256(sign.to_bits(), _mm256_set1_epi64x(SIGN as i64));
            Y4::from_bits(_mm256_or_si256(mag, s))
        }
    }
    #[inline(always)]
    fn to_bits(self) -> __m256i {
        unsafe { _mm256_castpd_si256(self.0) }
    }
    #[inline(always)]
    fn from_bits(b: __m256i) -> Y4 {
        Y4(unsafe { _mm256_castsi256_pd(b) })
    }
    #[inline(always)]
    fn splat_bits(v: u64) -> __m256i {
        unsafe { _mm256_set1_epi64x(v as i64) }
    }
    #[inline(always)]
    fn bits_add(a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_add_epi64(a, b) }
    }
    #[inline(always)]
    fn bits_sub(a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_sub_epi64(a, b) }
    }
    #[inline(always)]
    fn bits_and(a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_and_si256(a, b) }
    }
    #[inline(always)]
    fn bits_or(a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_or_si256(a, b) }
    }
    #[inline(always)]
    fn bits_shl52(a: __m256i) -> __m256i {
        unsafe { _mm256_slli_epi64::<52>(a) }
    }
    #[inline(always)]
    fn bits_shr6(a: __m256i) -> __m256i {
        unsafe { _mm256_srli_epi64::<6>(a) }
    }
    #[inline(always)]
    fn lookup<const K: usize>(table: &[f64; K], i: __m256i) -> Y4 {
        const { assert!(K.is_power_of_two()) };
        // SAFETY (also): the index is masked into 0..K, inside the table.
        unsafe {
            let idx = _mm256_and_si256(i, _mm256_set1_epi64x((K - 1) as i64));
            Y4(_mm256_i64gather_pd::<8>(table.as_ptr(), idx))
        }
    }
    #[inline(always)]
    fn std_exp(self) -> Y4 {
        Y4::from_array(self.to_array().map(f64::exp))
    }
    #[inline(always)]
    fn std_ln(self) -> Y4 {
        Y4::from_array(self.to_array().map(f64::ln))
    }
}

impl Y4 {
    #[inline(always)]
    fn to_array(self) -> [f64; 4] {
        let mut out = [0.0; 4];
        unsafe { _mm256_storeu_pd(out.as_mut_ptr(), self.0) };
        out
    }
    #[inline(always)]
    fn from_array(v: [f64; 4]) -> Y4 {
        Y4(unsafe { _mm256_loadu_pd(v.as_ptr()) })
    }
    /// The 4×4 transpose: column k of the result is lane k of every input.
    #[inline(always)]
    fn transpose(r: [Y4; 4]) -> [Y4; 4] {
        unsafe {
            let t0 = _mm256_unpacklo_pd(r[0].0, r[1].0);
            let t1 = _mm256_unpackhi_pd(r[0].0, r[1].0);
            let t2 = _mm256_unpacklo_pd(r[2].0, r[3].0);
            let t3 = _mm256_unpackhi_pd(r[2].0, r[3].0);
            [
                Y4(_mm256_permute2f128_pd::<0x20>(t0, t2)),
                Y4(_mm256_permute2f128_pd::<0x20>(t1, t3)),
                Y4(_mm256_permute2f128_pd::<0x31>(t0, t2)),
                Y4(_mm256_permute2f128_pd::<0x31>(t1, t3)),
            ]
        }
    }
}

impl Block for Y4 {
    const WIDTH: usize = 4;
    type Acc = [Y4; 2];
    #[inline(always)]
    fn load(v: &[f64]) -> Y4 {
        assert!(v.len() >= 4);
        // SAFETY (also): four readable values, checked above.
        Y4(unsafe { _mm256_loadu_pd(v.as_ptr()) })
    }
    #[cfg(test)]
    #[inline(always)]
    fn lanes(self) -> [f64; 8] {
        let a = self.to_array();
        std::array::from_fn(|k| if k < 4 { a[k] } else { 0.0 })
    }
    #[inline(always)]
    fn acc_zero() -> [Y4; 2] {
        [Y4::splat(0.0); 2]
    }
    #[inline(always)]
    fn accumulate(acc: &mut [Y4; 2], t: [Y4; 7], rows: usize) {
        let z = Y4::splat(0.0);
        let lo = Y4::transpose([t[0], t[1], t[2], t[3]]);
        let hi = Y4::transpose([t[4], t[5], t[6], z]);
        for k in 0..rows {
            acc[0] = acc[0] + lo[k];
            acc[1] = acc[1] + hi[k];
        }
    }
    #[inline(always)]
    fn acc_finish(acc: [Y4; 2]) -> [f64; 7] {
        let (a, b) = (acc[0].to_array(), acc[1].to_array());
        [a[0], a[1], a[2], a[3], b[0], b[1], b[2]]
    }
}

/// Eight rows in an AVX-512 register.
#[derive(Clone, Copy)]
struct Z8(__m512d);

// SAFETY (every `unsafe` block in this impl and Z8's operators): AVX-512F
// is available — see the module documentation.
macro_rules! z8_op {
    ($tr:ident, $f:ident, $intr:ident) => {
        impl $tr for Z8 {
            type Output = Z8;
            #[inline(always)]
            fn $f(self, o: Z8) -> Z8 {
                Z8(unsafe { $intr(self.0, o.0) })
            }
        }
    };
}
z8_op!(Add, add, _mm512_add_pd);
z8_op!(Sub, sub, _mm512_sub_pd);
z8_op!(Mul, mul, _mm512_mul_pd);
z8_op!(Div, div, _mm512_div_pd);

impl Neg for Z8 {
    type Output = Z8;
    #[inline(always)]
    fn neg(self) -> Z8 {
        Z8::from_bits(unsafe { _mm512_xor_si512(self.to_bits(), _mm512_set1_epi64(SIGN as i64)) })
    }
}

impl Lane for Z8 {
    type Mask = __mmask8;
    type Bits = __m512i;
    #[inline(always)]
    fn splat(v: f64) -> Z8 {
        Z8(unsafe { _mm512_set1_pd(v) })
    }
    #[inline(always)]
    fn lt(self, o: Z8) -> __mmask8 {
        unsafe { _mm512_cmp_pd_mask::<_CMP_LT_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn ge(self, o: Z8) -> __mmask8 {
        unsafe { _mm512_cmp_pd_mask::<_CMP_GE_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn le(self, o: Z8) -> __mmask8 {
        unsafe { _mm512_cmp_pd_mask::<_CMP_LE_OQ>(self.0, o.0) }
    }
    #[inline(always)]
    fn and(a: __mmask8, b: __mmask8) -> __mmask8 {
        a & b
    }
    #[inline(always)]
    fn or(a: __mmask8, b: __mmask8) -> __mmask8 {
        a | b
    }
    #[inline(always)]
    fn not(a: __mmask8) -> __mmask8 {
        !a
    }
    #[inline(always)]
    fn select(m: __mmask8, a: Z8, b: Z8) -> Z8 {
        // mask_blend(m, x, y) takes y where bit k of m is set: a where m
        Z8(unsafe { _mm512_mask_blend_pd(m, b.0, a.0) })
    }
    #[inline(always)]
    fn select_bits(m: __mmask8, a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_mask_blend_epi64(m, b, a) }
    }
    #[inline(always)]
    fn abs(self) -> Z8 {
        Z8::from_bits(unsafe { _mm512_and_si512(self.to_bits(), _mm512_set1_epi64(!SIGN as i64)) })
    }
    #[inline(always)]
    fn copysign(self, sign: Z8) -> Z8 {
        unsafe {
            let mag = _mm512_and_si512(self.to_bits(), _mm512_set1_epi64(!SIGN as i64));
            let s = _mm512_and_si512(sign.to_bits(), _mm512_set1_epi64(SIGN as i64));
            Z8::from_bits(_mm512_or_si512(mag, s))
        }
    }
    #[inline(always)]
    fn to_bits(self) -> __m512i {
        unsafe { _mm512_castpd_si512(self.0) }
    }
    #[inline(always)]
    fn from_bits(b: __m512i) -> Z8 {
        Z8(unsafe { _mm512_castsi512_pd(b) })
    }
    #[inline(always)]
    fn splat_bits(v: u64) -> __m512i {
        unsafe { _mm512_set1_epi64(v as i64) }
    }
    #[inline(always)]
    fn bits_add(a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_add_epi64(a, b) }
    }
    #[inline(always)]
    fn bits_sub(a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_sub_epi64(a, b) }
    }
    #[inline(always)]
    fn bits_and(a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_and_si512(a, b) }
    }
    #[inline(always)]
    fn bits_or(a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_or_si512(a, b) }
    }
    #[inline(always)]
    fn bits_shl52(a: __m512i) -> __m512i {
        unsafe { _mm512_slli_epi64::<52>(a) }
    }
    #[inline(always)]
    fn bits_shr6(a: __m512i) -> __m512i {
        unsafe { _mm512_srli_epi64::<6>(a) }
    }
    #[inline(always)]
    fn lookup<const K: usize>(table: &[f64; K], i: __m512i) -> Z8 {
        const { assert!(K.is_power_of_two()) };
        // SAFETY (also): the index is masked into 0..K, inside the table.
        unsafe {
            let idx = _mm512_and_si512(i, _mm512_set1_epi64((K - 1) as i64));
            Z8(_mm512_i64gather_pd::<8>(idx, table.as_ptr()))
        }
    }
    #[inline(always)]
    fn std_exp(self) -> Z8 {
        Z8::from_array(self.to_array().map(f64::exp))
    }
    #[inline(always)]
    fn std_ln(self) -> Z8 {
        Z8::from_array(self.to_array().map(f64::ln))
    }
}

impl Z8 {
    #[inline(always)]
    fn to_array(self) -> [f64; 8] {
        let mut out = [0.0; 8];
        unsafe { _mm512_storeu_pd(out.as_mut_ptr(), self.0) };
        out
    }
    #[inline(always)]
    fn from_array(v: [f64; 8]) -> Z8 {
        Z8(unsafe { _mm512_loadu_pd(v.as_ptr()) })
    }
    /// The 8×8 transpose: column k of the result is lane k of every input.
    /// Pairs are interleaved within 128-bit lanes, then 128-bit lanes are
    /// gathered in two rounds (`shuffle_f64x2` with 0x88 takes lanes 0 and
    /// 2 of each operand, 0xDD lanes 1 and 3).
    #[inline(always)]
    fn transpose(r: [Z8; 8]) -> [Z8; 8] {
        unsafe {
            let t0 = _mm512_unpacklo_pd(r[0].0, r[1].0);
            let t1 = _mm512_unpackhi_pd(r[0].0, r[1].0);
            let t2 = _mm512_unpacklo_pd(r[2].0, r[3].0);
            let t3 = _mm512_unpackhi_pd(r[2].0, r[3].0);
            let t4 = _mm512_unpacklo_pd(r[4].0, r[5].0);
            let t5 = _mm512_unpackhi_pd(r[4].0, r[5].0);
            let t6 = _mm512_unpacklo_pd(r[6].0, r[7].0);
            let t7 = _mm512_unpackhi_pd(r[6].0, r[7].0);
            let u0 = _mm512_shuffle_f64x2::<0x88>(t0, t2);
            let u1 = _mm512_shuffle_f64x2::<0x88>(t1, t3);
            let u2 = _mm512_shuffle_f64x2::<0xDD>(t0, t2);
            let u3 = _mm512_shuffle_f64x2::<0xDD>(t1, t3);
            let u4 = _mm512_shuffle_f64x2::<0x88>(t4, t6);
            let u5 = _mm512_shuffle_f64x2::<0x88>(t5, t7);
            let u6 = _mm512_shuffle_f64x2::<0xDD>(t4, t6);
            let u7 = _mm512_shuffle_f64x2::<0xDD>(t5, t7);
            [
                Z8(_mm512_shuffle_f64x2::<0x88>(u0, u4)),
                Z8(_mm512_shuffle_f64x2::<0x88>(u1, u5)),
                Z8(_mm512_shuffle_f64x2::<0x88>(u2, u6)),
                Z8(_mm512_shuffle_f64x2::<0x88>(u3, u7)),
                Z8(_mm512_shuffle_f64x2::<0xDD>(u0, u4)),
                Z8(_mm512_shuffle_f64x2::<0xDD>(u1, u5)),
                Z8(_mm512_shuffle_f64x2::<0xDD>(u2, u6)),
                Z8(_mm512_shuffle_f64x2::<0xDD>(u3, u7)),
            ]
        }
    }
}

impl Block for Z8 {
    const WIDTH: usize = 8;
    type Acc = Z8;
    #[inline(always)]
    fn load(v: &[f64]) -> Z8 {
        assert!(v.len() >= 8);
        // SAFETY (also): eight readable values, checked above.
        Z8(unsafe { _mm512_loadu_pd(v.as_ptr()) })
    }
    #[cfg(test)]
    #[inline(always)]
    fn lanes(self) -> [f64; 8] {
        self.to_array()
    }
    #[inline(always)]
    fn acc_zero() -> Z8 {
        Z8::splat(0.0)
    }
    #[inline(always)]
    fn accumulate(acc: &mut Z8, t: [Z8; 7], rows: usize) {
        let cols = Z8::transpose([t[0], t[1], t[2], t[3], t[4], t[5], t[6], Z8::splat(0.0)]);
        for col in cols.iter().take(rows) {
            *acc = *acc + *col;
        }
    }
    #[inline(always)]
    fn acc_finish(acc: Z8) -> [f64; 7] {
        let a = acc.to_array();
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6]]
    }
}

/// [`sums_in`] on AVX2 blocks.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn sums_avx2<R: Rho, const STD_MATH: bool>(
    t: &Theta,
    rho: R,
    inv_scale: f64,
    cols: Columns<'_>,
) -> Sums {
    sums_in::<Y4, R, STD_MATH>(t, rho, inv_scale, cols)
}

/// [`sums_in`] on AVX-512 blocks.
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn sums_avx512<R: Rho, const STD_MATH: bool>(
    t: &Theta,
    rho: R,
    inv_scale: f64,
    cols: Columns<'_>,
) -> Sums {
    sums_in::<Z8, R, STD_MATH>(t, rho, inv_scale, cols)
}

/// The lane-operation probe on AVX2 blocks (tests).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(test)]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn probe_avx2(a: &[f64], b: &[f64]) -> Vec<[f64; super::PROBES]> {
    super::probe_blocks::<Y4>(a, b)
}

/// The lane-operation probe on AVX-512 blocks (tests).
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(test)]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn probe_avx512(a: &[f64], b: &[f64]) -> Vec<[f64; super::PROBES]> {
    super::probe_blocks::<Z8>(a, b)
}
