//! Location: choosing the best fix and naming the commune/ward it falls in (DESIGN §6).
