//! Password rules per OS (section 6 of the API doc) and a generator. Pure.
