//! Derived quantities: N* per target and the N* linear law.

pub mod nstar;
pub mod nstar_law;
pub mod uncertainty;
