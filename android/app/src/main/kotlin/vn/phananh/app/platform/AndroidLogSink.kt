package vn.phananh.app.platform

import android.util.Log
import vn.phananh.core.LogLevel
import vn.phananh.core.LogRecord
import vn.phananh.core.LogSink

/** The core's log records into logcat (the core logs no personal data). */
class AndroidLogSink : LogSink {
    override fun log(record: LogRecord) {
        val tag = "phananh/" + record.target.substringAfterLast("::").take(20)
        when (record.level) {
            LogLevel.ERROR -> Log.e(tag, record.message)
            LogLevel.WARN -> Log.w(tag, record.message)
            LogLevel.INFO -> Log.i(tag, record.message)
            LogLevel.DEBUG -> Log.d(tag, record.message)
            LogLevel.TRACE -> Log.v(tag, record.message)
        }
    }
}
