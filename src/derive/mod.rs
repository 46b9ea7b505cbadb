//! Derived quantities: N* per target and the N* linear law.

pub mod nstar;
pub mod nstar_law;
pub mod nstar_shape;
pub mod ppl_scale;
pub mod sensitivity;
pub mod uncertainty;
