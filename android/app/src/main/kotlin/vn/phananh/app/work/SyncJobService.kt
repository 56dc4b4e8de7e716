package vn.phananh.app.work

import android.app.job.JobParameters
import android.app.job.JobService
import java.time.Instant
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import vn.phananh.app.PhanAnhApplication

/** The JobScheduler entry point: one bounded [Syncer] run per job. */
class SyncJobService : JobService() {
    private val running = mutableMapOf<Int, Job>()

    override fun onStartJob(params: JobParameters): Boolean {
        val graph = (application as PhanAnhApplication).graph
        running[params.jobId] = graph.appScope.launch {
            val outcome = graph.syncer.run(Instant.now().plus(SyncScheduler.JOB_BUDGET))
            // Periodic jobs come back by themselves; a one-off job is rescheduled with backoff.
            jobFinished(params, outcome == Syncer.Outcome.RETRY_LATER && !params.jobId.isPeriodic())
            running.remove(params.jobId)
        }
        return true
    }

    /** The system takes the time back: the core stops between restartable steps. */
    override fun onStopJob(params: JobParameters): Boolean {
        running.remove(params.jobId)?.cancel()
        return true
    }

    private fun Int.isPeriodic() = this == SyncScheduler.JOB_PERIODIC || this == SyncScheduler.JOB_UNMETERED
}
