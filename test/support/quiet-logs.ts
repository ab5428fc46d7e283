// Request lines of hundreds of test requests would bury jest's report; warnings and errors still show.
process.env.LOG_LEVEL ??= 'warn';
