// The CLI drives one console (Spectre.Console allows one live display at a time), as a user's terminal does.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
