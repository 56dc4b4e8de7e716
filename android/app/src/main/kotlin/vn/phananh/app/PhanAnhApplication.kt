package vn.phananh.app

import android.app.Application

class PhanAnhApplication : Application() {
    /** Created on first use so that WorkManager's process start pays only for what it needs. */
    val graph: AppGraph by lazy { AppGraph(this).also { it.start() } }
}
