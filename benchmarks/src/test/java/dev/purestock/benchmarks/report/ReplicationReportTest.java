package dev.purestock.benchmarks.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replication section of the report, from result files written as the harnesses write them. */
class ReplicationReportTest {
    private static final String LATENCY_HEADER = "offered_per_s\tachieved_per_s\tp50_us\tp90_us\tp99_us\tp99_9_us\tp99_99_us\tmax_us"
            + "\tmax_send_lag_us\tsustainable\tgc_pauses\tgc_longest_pause_ms\tgc_pause_total_ms"
            + "\tstandby_lag_records_p50\tstandby_lag_records_max\tstandby_lag_us_p50\tstandby_lag_us_max";

    @TempDir
    Path dir;

    @Test
    void theCatchUpMedianOfAnEvenNumberOfRoundsIsTheMeanOfTheMiddleTwo() throws IOException {
        Files.writeString(dir.resolve("replication-catchup.tsv"), """
                # records=1000 rounds=2 standby in a second JVM, loopback
                round\trecords\tseconds\trecords_per_s
                1\t1000\t1.000\t1000
                2\t1000\t0.333\t3000
                """);

        String md = render();

        assertTrue(md.contains("median 2,000 records/s (rounds: 1,000, 3,000)"), md);
    }

    @Test
    void theStandbyLagMedianOfAnEvenNumberOfRoundsIsTheMeanOfTheMiddleTwo() throws IOException {
        latency("ASYNC", 1, 10, 100, 200, 900);
        latency("ASYNC", 2, 30, 300, 400, 500);

        String md = render();

        assertTrue(md.contains("| 20 / 300 | 300 / 900 |"), md);
    }

    @Test
    void throughputIsReadFromTheReplicationColumnWhereverJmhPutsIt() throws IOException {
        // JMH writes one column per parameter in the order of their names: mtu comes before replication
        Files.writeString(dir.resolve("replication-jmh-1.csv"), """
                "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: mtu","Param: replication",\
                "Param: snapshotsOnDemand","Param: waitStrategy"
                "dev.purestock.benchmarks.ReplicationBenchmark.engine","thrpt",1,3,1000000.0,10.0,"ops/s",0,NONE,true,BLOCKING
                "dev.purestock.benchmarks.ReplicationBenchmark.engine:gc.alloc.rate.norm","thrpt",1,3,120.0,1.0,"B/op",0,NONE,true,BLOCKING
                "dev.purestock.benchmarks.ReplicationBenchmark.engine","thrpt",1,3,800000.0,10.0,"ops/s",0,ASYNC,true,BLOCKING
                "dev.purestock.benchmarks.ReplicationBenchmark.engine:gc.alloc.rate.norm","thrpt",1,3,121.0,1.0,"B/op",0,ASYNC,true,BLOCKING
                "dev.purestock.benchmarks.ReplicationBenchmark.engine","thrpt",1,3,500000.0,10.0,"ops/s",0,SYNC,true,BLOCKING
                "dev.purestock.benchmarks.ReplicationBenchmark.engine:gc.alloc.rate.norm","thrpt",1,3,122.0,1.0,"B/op",0,SYNC,true,BLOCKING
                """);

        String md = render();

        assertTrue(md.contains("| NONE | 1,000,000 | 1,000,000 | 1.00× |"), md);
        assertTrue(md.contains("| ASYNC | 800,000 | 800,000 | 0.80× | 0.80× (0.80) | 121.0 |"), md);
        assertTrue(md.contains("| SYNC | 500,000 | 500,000 | 0.50× | 0.50× (0.50) | 122.0 |"), md);
    }

    @Test
    void theTablesNameTheCommitAndDayTheHarnessesRecorded() throws IOException {
        latency("NONE", 1, " code=abc1234 date=2026-11-30");
        latency("ASYNC", 1, " code=abc1234 date=2026-11-30");
        Files.writeString(dir.resolve("replication-catchup.tsv"), """
                # records=1000 rounds=1 standby in a second JVM, loopback code=abc1234 date=2026-12-01
                round\trecords\tseconds\trecords_per_s
                1\t1000\t1.000\t1000
                """);

        String md = render();

        assertTrue(md.startsWith("### m\n\nMeasured at commit abc1234 on 2026-11-30, commit abc1234 on 2026-12-01.\n\n"), md);
        assertTrue(md.contains("; wait=BLOCKING): the standby's lag"), md);
        assertTrue(md.contains("`CatchUpHarness` (records=1000 rounds=1 standby in a second JVM, loopback): a new standby"), md);
    }

    @Test
    void tablesFromFilesThatRecordedNoCommitSaySo() throws IOException {
        latency("NONE", 1, "");

        String md = render();

        assertTrue(md.startsWith("### m\n\nCommit and date not recorded.\n\n"), md);
    }

    private void latency(String configuration, int round, long recordsP50, long recordsMax, long microsP50, long microsMax)
            throws IOException {
        latency(configuration, round, recordsP50, recordsMax, microsP50, microsMax, "");
    }

    /** A round whose lag figures are zero, its settings line ending with {@code measured}. */
    private void latency(String configuration, int round, String measured) throws IOException {
        latency(configuration, round, 0, 0, 0, 0, measured);
    }

    private void latency(String configuration, int round, long recordsP50, long recordsMax, long microsP50, long microsMax,
                         String measured) throws IOException {
        Files.writeString(dir.resolve("replication-latency-" + configuration + "-" + round + ".tsv"),
                "# wait=BLOCKING replication=" + configuration + " standby=second-jvm" + measured + "\n" + LATENCY_HEADER + "\n"
                        + "50000\t50000\t100.00\t200.00\t300.00\t400.00\t500.00\t600.00\t10.00\ttrue\t0\t0.000\t0.000\t"
                        + recordsP50 + "\t" + recordsMax + "\t" + microsP50 + "\t" + microsMax + "\n");
    }

    private String render() throws IOException {
        StringBuilder md = new StringBuilder();
        ReplicationReport.load(dir).orElseThrow().render(md, "m");
        return md.toString();
    }
}
