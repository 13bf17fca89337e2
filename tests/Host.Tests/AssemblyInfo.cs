// Two test collections at a time (each class is one, the PostgreSQL classes share one): the service tests spend most
// of their time waiting on child processes (a service starting, a run reaching a state, a lease running out), so two
// at once keep the two cores busier without starting more than two trainings of the tests' own. Nothing a test
// asserts depends on the machine's speed (every wait ends on a state), and no two collections share a process-wide
// setting, a port or a database: children get free ports and data directories of their own, the in-process services
// take their token as configuration, and each in-process metrics endpoint exports only its own instruments.
// xUnit's default (conservative) algorithm starts at most MaxParallelThreads tests at once.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 2)]
