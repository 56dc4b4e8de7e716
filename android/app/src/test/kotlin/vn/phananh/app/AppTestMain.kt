package vn.phananh.app

import java.io.File
import kotlin.system.exitProcess
import org.junit.runner.JUnitCore
import org.junit.runner.Request
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

/**
 * Runs the Robolectric tests of the app with JUnit 4 and prints `android: N passed, N failed`
 * from JUnit's own result. Arguments: test classes (simple names), default all; `Class#method`
 * runs one test.
 */
object AppTestMain {
    val ALL = listOf(
        "FirstStartTest", "ReportJourneyTest", "ClosureJourneyTest", "VideoPosterJourneyTest", "DraftsJourneyTest", "ConfigRefreshTest", "PushJourneyTest", "MediaLocationTest", "NearbyJourneyTest", "MapJourneyTest", "AccountJourneyTest", "RefusedReportTest", "ProcessDeathTest", "LanguageTest", "AccessibilityTest", "ScreenshotTest",
    )

    @JvmStatic
    fun main(args: Array<String>) {
        val names = args.toList().ifEmpty { ALL }
        val core = JUnitCore()
        core.addListener(object : RunListener() {
            override fun testStarted(d: org.junit.runner.Description) { println("android: ${d.className.substringAfterLast('.')}.${d.methodName} ...") }
            // The frames are printed as "  | at …" so the step's filter of stack lines keeps them.
            override fun testFailure(f: Failure) {
                println("android: FAILED ${f.testHeader}: ${f.message?.take(2000)}")
                f.trace.lines().drop(1).filter { it.isNotBlank() }.take(80).forEach { println("  | " + it.trim()) }
            }
        })
        var run = 0
        var failed = 0
        var ignored = 0
        val start = System.nanoTime()
        for (name in names) {
            val (cls, method) = name.split("#").let { it[0] to it.getOrNull(1) }
            val klass = Class.forName("vn.phananh.app.$cls")
            val request = if (method != null) Request.method(klass, method) else Request.aClass(klass)
            val result = core.run(request)
            run += result.runCount
            failed += result.failureCount
            ignored += result.ignoreCount
        }
        val secs = (System.nanoTime() - start) / 1_000_000_000
        println("android: ${run - failed} passed, $failed failed" + (if (ignored > 0) ", $ignored ignored" else "") + " (${secs}s)")
        System.getProperty("phananh.junit")?.let { File(it, "summary.txt").writeText("passed=${run - failed}\nfailed=$failed\n") }
        exitProcess(if (failed == 0 && run > 0) 0 else 1)
    }
}
