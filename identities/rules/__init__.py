"""INS domain rules: pure functions, no ORM, one place for each rule."""
