//! Pause points: where a long stage may stop, so that its shell can do other work
//! (handle a key, paint a frame) and carry on later.
//!
//! The stages that grow with the input (simulating the cluster, resolving its
//! Services, laying out the picture, making its tiles) are `async` functions with
//! a [`Pause::point`] in their loops. They never wait for anything: a point is
//! either passed or, when the shell's `should_pause` says so, returns once to the
//! caller, which polls the stage again later. Pausing changes nothing in what a
//! stage computes, only when; the engine still reads no clock, as the shell's
//! callback is the only thing that knows the time.
//!
//! The CLI and the tests run a stage to its end with [`finish`] and
//! [`Pause::never`]; the web app polls it a time slice per task (issue #9).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// How many points pass between two questions to the shell: a point costs a few
/// nanoseconds, a question a call out of the wasm.
const POINTS_PER_QUESTION: u32 = 64;

/// Where a stage may pause, and whether it should.
pub struct Pause<'a> {
    should_pause: Option<&'a dyn Fn() -> bool>,
    points: Cell<u32>,
}

impl Pause<'static> {
    /// Never pauses: the stage runs to its end in one poll.
    pub fn never() -> Pause<'static> {
        Pause {
            should_pause: None,
            points: Cell::new(0),
        }
    }
}

impl<'a> Pause<'a> {
    /// Pauses at a point when `should_pause` answers true; it is asked every few
    /// dozen points.
    pub fn when(should_pause: &'a dyn Fn() -> bool) -> Pause<'a> {
        Pause {
            should_pause: Some(should_pause),
            points: Cell::new(0),
        }
    }

    /// A point where the stage may pause: await it between two pieces of work.
    pub fn point(&self) -> Point {
        let Some(should_pause) = self.should_pause else {
            return Point { pending: false };
        };
        let points = self.points.get() + 1;
        let ask = points >= POINTS_PER_QUESTION;
        self.points.set(if ask { 0 } else { points });
        Point {
            pending: ask && should_pause(),
        }
    }

    /// A point that asks the shell at once: for the seams between the steps of a
    /// stage, each of which may be long.
    pub fn seam(&self) -> Point {
        self.points.set(POINTS_PER_QUESTION - 1);
        self.point()
    }

    /// A point that always pauses (unless this is [`Pause::never`]): what follows
    /// starts a slice of its own.
    pub fn next_task(&self) -> Point {
        self.points.set(0);
        Point {
            pending: self.should_pause.is_some(),
        }
    }
}

/// The future of [`Pause::point`]: ready at once, or after returning once to the
/// caller.
pub struct Point {
    pending: bool,
}

impl Future for Point {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.pending {
            self.pending = false;
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

/// Polls `stage` once: its output if it got to the end, `None` if it paused.
pub fn resume<T>(stage: Pin<&mut dyn Future<Output = T>>) -> Option<T> {
    match stage.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// Runs `stage` to its end, however often it pauses.
pub fn finish<T>(stage: impl Future<Output = T>) -> T {
    let mut stage = std::pin::pin!(stage);
    loop {
        if let Some(output) = resume(stage.as_mut()) {
            return output;
        }
    }
}
