package vn.phananh.app

import android.app.Application

/** Open for a Play build's application (src/play), which plugs FCM in through [options]. */
open class PhanAnhApplication : Application() {
    /** Created on first use so that a JobScheduler process start pays only for what it needs. */
    private val lazyGraph = lazy { AppGraph(this, options ?: AppGraph.Options.fromBuild()).also { it.start() } }
    val graph: AppGraph by lazyGraph

    /** Whether [graph] exists yet (a process started for a job may not have needed the UI). */
    fun graphCreated(): Boolean = lazyGraph.isInitialized()

    companion object {
        /**
         * Set before the first use of [graph] to run the app against another server and boundary
         * data than the build's (the Robolectric tests: the stub on 127.0.0.1). Null in the app.
         */
        @Volatile
        var options: AppGraph.Options? = null
    }
}
