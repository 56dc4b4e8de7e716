package vn.phananh

import java.io.File
import java.util.Collections
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/**
 * The real backend stub (`phananh-stub`, built by cargo) as a child process on 127.0.0.1 with
 * an in-memory database and dev mode (OTP codes go to its log). `--simulate` makes the unit's
 * officer move every case one step forward after that many seconds.
 */
class StubProcess(simulateSeconds: Double? = null) : AutoCloseable {
    private val output: MutableList<String> = Collections.synchronizedList(mutableListOf())
    private val process: Process
    val baseUrl: String

    init {
        val root = TestEnv.stubBinary.parentFile.parentFile.parentFile
        val cmd = mutableListOf(
            TestEnv.stubBinary.path, "--addr", "127.0.0.1:0", "--db", ":memory:", "--dev", "--rate-limit", "0",
            // Every test client is 127.0.0.1: a run signs in more than the deployed 20 an hour.
            "--otp-per-addr", "100000",
            "--boundaries", File(TestEnv.boundaries, "ha_tinh_wards_2025.geojson").path,
        )
        if (simulateSeconds != null) cmd += listOf("--simulate", simulateSeconds.toString())
        val pb = ProcessBuilder(cmd).directory(root).redirectErrorStream(true)
        pb.environment()["NO_COLOR"] = "1"
        pb.environment()["RUST_LOG"] = "info"
        process = pb.start()
        thread(isDaemon = true, name = "stub-output") {
            try {
                process.inputStream.bufferedReader().forEachLine { output += it }
            } catch (_: java.io.IOException) {
                // The stub was stopped.
            }
        }
        baseUrl = waitFor(Regex("listening on (http://127\\.0\\.0\\.1:\\d+/)"), 20_000)
            ?: error("stub did not start: ${output.joinToString("\n")}")
    }

    private val otpLine = Regex("dev OTP (\\d{4,8})")

    /**
     * Runs [request] (which asks for a code) and returns the code the stub "sent" for it: the
     * first OTP line logged after the request, so an earlier test's code is never picked up.
     * [whileWaiting] runs between looks at the log: a UI test whose request was made by the app
     * lets the app's main thread work there (the app's coroutines, and with them the core's
     * request, make progress only when the main looper runs). The deadline is 30 s: under a
     * load average of 11 on 2 cores one request once took over 15 s.
     */
    suspend fun otpFor(whileWaiting: () -> Unit = {}, request: suspend () -> Unit): String {
        val before = synchronized(output) { output.count { otpLine.containsMatchIn(it) } }
        request()
        val deadline = System.nanoTime() + 30_000_000_000
        while (System.nanoTime() < deadline) {
            synchronized(output) { output.filter { otpLine.containsMatchIn(it) }.getOrNull(before) }
                ?.let { return otpLine.find(it)!!.groupValues[1] }
            whileWaiting()
            Thread.sleep(10)
        }
        error("no OTP in the stub's log")
    }

    /** How many lines the stub has logged so far: a mark for [awaitLog]. */
    fun logMark(): Int = output.size

    /** The first line logged from [mark] on that matches [re], waiting up to [timeoutMs]; null when none came. */
    fun awaitLog(re: Regex, mark: Int = 0, timeoutMs: Long = 15_000): MatchResult? {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            synchronized(output) { output.drop(mark).firstNotNullOfOrNull { re.find(it) } }?.let { return it }
            if (System.nanoTime() >= deadline) return null
            Thread.sleep(20)
        }
    }

    private fun waitFor(re: Regex, timeoutMs: Long): String? {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (System.nanoTime() < deadline) {
            synchronized(output) { output.asReversed().firstNotNullOfOrNull { re.find(it)?.groupValues?.get(1) } }?.let { return it }
            check(process.isAlive) { "stub exited: ${output.joinToString("\n")}" }
            Thread.sleep(20)
        }
        return null
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}
