//! [`Values`]: the stored numbers of a data matrix, either owned (a `Vec`) or borrowed from memory that another
//! owner keeps alive — a NumPy array passed from Python, say — so that a caller's data is used where it lies,
//! without a copy.
//!
//! Reading is the same for both: a `Values<T>` dereferences to `&[T]`. Writing ([`Values::make_mut`]) first copies
//! borrowed values into an owned vector (copy on write), so the borrowed memory is never written.

use std::any::Any;
use std::ops::Deref;

/// Owned or borrowed values of one type (`f64` values, `u32` column indices).
pub struct Values<T: Copy + 'static> {
    inner: Inner<T>,
}

enum Inner<T> {
    /// Values the matrix owns.
    Owned(Vec<T>),
    /// `len` values at `ptr`, kept alive (and unchanged) by `_owner` for as long as this exists.
    Borrowed {
        ptr: *const T,
        len: usize,
        _owner: Box<dyn Any + Send + Sync>,
    },
}

// SAFETY: an owned `Values` is a `Vec<T>`. A borrowed one is a shared, read-only view of memory that its
// constructor's caller promised stays valid and unchanged while `_owner` lives; `_owner` is itself `Send + Sync`,
// and `T: Sync` makes `&[T]` shareable across threads.
unsafe impl<T: Copy + Send + Sync + 'static> Send for Values<T> {}
// SAFETY: as for `Send`: only `&[T]` is ever handed out from a shared reference.
unsafe impl<T: Copy + Send + Sync + 'static> Sync for Values<T> {}

impl<T: Copy + 'static> Values<T> {
    /// Values owned by the matrix.
    pub fn owned(v: Vec<T>) -> Self {
        Values { inner: Inner::Owned(v) }
    }

    /// `len` values at `ptr`, borrowed: `owner` is kept (and dropped with these values) to keep the memory alive.
    ///
    /// # Safety
    ///
    /// `ptr` must be non-null, aligned for `T` and valid for reading `len` values of `T`, and those values must
    /// not change, for as long as `owner` lives (it is dropped when the returned `Values` is).
    pub unsafe fn borrowed(ptr: *const T, len: usize, owner: Box<dyn Any + Send + Sync>) -> Self {
        Values {
            inner: Inner::Borrowed {
                ptr,
                len,
                _owner: owner,
            },
        }
    }

    /// Whether the values are borrowed (used in place, not copied).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.inner, Inner::Borrowed { .. })
    }

    /// The values, mutable; borrowed values are first copied into an owned vector (by `copy`, which receives the
    /// borrowed slice and returns the vector, so that a caller can choose how the copy is allocated).
    pub fn make_mut_with(&mut self, copy: impl FnOnce(&[T]) -> Vec<T>) -> &mut [T] {
        if let Inner::Borrowed { .. } = self.inner {
            let owned = copy(self);
            self.inner = Inner::Owned(owned);
        }
        match &mut self.inner {
            Inner::Owned(v) => v,
            Inner::Borrowed { .. } => unreachable!("replaced by an owned copy above"),
        }
    }

    /// The values, mutable; borrowed values are first copied into an owned vector.
    pub fn make_mut(&mut self) -> &mut [T] {
        self.make_mut_with(<[T]>::to_vec)
    }

    /// The values as an owned vector (a copy when they are borrowed).
    pub fn into_vec(self) -> Vec<T> {
        match self.inner {
            Inner::Owned(v) => v,
            Inner::Borrowed { .. } => self.to_vec(),
        }
    }
}

impl<T: Copy + 'static> Deref for Values<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match &self.inner {
            Inner::Owned(v) => v,
            // SAFETY: the contract of `Values::borrowed`: `ptr` is valid for `len` reads while `_owner` lives, and
            // `_owner` lives as long as `self`, which the returned slice borrows.
            Inner::Borrowed { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }
}

/// A clone owns its values (a copy of borrowed ones).
impl<T: Copy + 'static> Clone for Values<T> {
    fn clone(&self) -> Self {
        Values::owned(self.to_vec())
    }
}

/// Equal when the values are equal, owned or borrowed.
impl<T: Copy + PartialEq + 'static> PartialEq for Values<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Copy + std::fmt::Debug + 'static> std::fmt::Debug for Values<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.is_borrowed() { "borrowed" } else { "owned" };
        write!(f, "Values({kind}, {} values)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn borrowed_values_read_in_place_and_copy_on_write() {
        let source: Arc<Vec<f64>> = Arc::new(vec![1.0, 2.0, 3.0]);
        let ptr = source.as_ptr();
        // SAFETY: the Arc passed as owner keeps the vector alive and nobody writes to it.
        let mut v = unsafe { Values::borrowed(ptr, 3, Box::new(Arc::clone(&source))) };
        assert!(v.is_borrowed());
        assert_eq!(v.as_ptr(), ptr, "read in place");
        assert_eq!(&*v, &[1.0, 2.0, 3.0]);
        assert_eq!(Arc::strong_count(&source), 2, "the owner is held");
        let c = v.clone();
        assert!(!c.is_borrowed());
        assert_eq!(c, v);
        v.make_mut()[0] = 10.0;
        assert!(!v.is_borrowed());
        assert_eq!(&*v, &[10.0, 2.0, 3.0]);
        assert_eq!(*source, vec![1.0, 2.0, 3.0], "the borrowed memory is never written");
        assert_eq!(Arc::strong_count(&source), 1, "the owner is released with the borrow");
    }

    #[test]
    fn owned_values_are_written_in_place() {
        let mut v = Values::owned(vec![1u32, 2]);
        let before = v.as_ptr();
        v.make_mut()[1] = 5;
        assert_eq!(v.as_ptr(), before);
        assert_eq!(v.into_vec(), vec![1, 5]);
    }
}
