package vn.phananh

import java.io.File
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.Test
import vn.phananh.core.LogLevel
import vn.phananh.core.LogRecord
import vn.phananh.core.LogSink
import vn.phananh.core.setLogSink
import vn.phananh.data.RustCoreRepository

/** Core logs reach a Kotlin logger (the foreign trait), on the core's own log thread. */
class LogSinkTest {
    @Test
    fun `core log records reach the Kotlin sink`() {
        val got = LinkedBlockingQueue<Pair<LogRecord, String>>()
        setLogSink(object : LogSink {
            override fun log(record: LogRecord) {
                got += record to Thread.currentThread().name
            }
        }, LogLevel.INFO)
        try {
            // An orphan media file (a crash between copy and insert) is removed, and logged, at open.
            val dir = TestEnv.tempDir("log-")
            File(dir, "media/0190/orphan.jpg").apply { parentFile.mkdirs(); writeBytes(ByteArray(10)) }
            RustCoreRepository.open(dir.path).use { repo -> kotlinx.coroutines.runBlocking { repo.client() } } // opened (async) before closing
            var rec: Pair<LogRecord, String>? = null
            val deadline = System.nanoTime() + 5_000_000_000
            while (rec == null && System.nanoTime() < deadline) {
                rec = got.poll(100, TimeUnit.MILLISECONDS)?.takeIf { it.first.message.contains("orphan") }
            }
            val (record, thread) = assertNotNull(rec, "orphan removal was logged")
            assertEquals(LogLevel.INFO, record.level)
            assertTrue(record.target.startsWith("phananh_core"), record.target)
            // Delivered from the core's log thread, not from the caller's.
            assertTrue(thread != Thread.currentThread().name, thread)
            assertTrue(!File(dir, "media/0190/orphan.jpg").exists())
        } finally {
            setLogSink(null, LogLevel.INFO)
        }
    }
}
