package vn.phananh.app.work

import android.app.job.JobInfo
import android.app.job.JobScheduler
import android.content.ComponentName
import android.content.Context
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/**
 * When the core gets time to deliver: right now in the app's process (after "send", when the
 * network comes back), and through the platform's JobScheduler when the process is gone
 * (a one-off job on any network, an hourly one for status pulls, one on unmetered networks for
 * videos waiting for Wi-Fi). JobScheduler rather than WorkManager: it is what WorkManager
 * itself schedules with on API 23+ (minSdk is 26), it needs no library (WorkManager brings Room
 * and a startup provider that only a manifest merger declares, which the CI build of this
 * module does not run), and the in-process run covers what expedited work gave.
 */
class SyncScheduler(private val context: Context, private val syncer: Syncer, private val scope: CoroutineScope) {
    private val jobs = context.getSystemService(JobScheduler::class.java)

    /** Deliver now while the app runs, and leave a job behind in case the process is killed. */
    fun syncNow() {
        scope.launch {
            if (syncer.run(Instant.now().plus(FOREGROUND_BUDGET)) == Syncer.Outcome.DONE) jobs.cancel(JOB_NOW)
        }
        val job = JobInfo.Builder(JOB_NOW, ComponentName(context, SyncJobService::class.java))
            .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
            .setBackoffCriteria(30_000, JobInfo.BACKOFF_POLICY_EXPONENTIAL)
        jobs.schedule(job.build())
    }

    /** Status pulls every hour, and a run whenever an unmetered network appears. */
    fun schedulePeriodic() {
        val service = ComponentName(context, SyncJobService::class.java)
        if (jobs.getPendingJob(JOB_PERIODIC) == null) {
            jobs.schedule(
                JobInfo.Builder(JOB_PERIODIC, service).setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
                    .setPeriodic(Duration.ofHours(1).toMillis()).setPersisted(false).build(),
            )
        }
        if (jobs.getPendingJob(JOB_UNMETERED) == null) {
            jobs.schedule(
                JobInfo.Builder(JOB_UNMETERED, service).setRequiredNetworkType(JobInfo.NETWORK_TYPE_UNMETERED)
                    .setPeriodic(Duration.ofHours(3).toMillis()).build(),
            )
        }
    }

    companion object {
        const val JOB_NOW = 4201
        const val JOB_PERIODIC = 4202
        const val JOB_UNMETERED = 4203
        /** A run inside the app process; the next trigger continues where it stopped. */
        val FOREGROUND_BUDGET: Duration = Duration.ofMinutes(5)
        /** JobScheduler stops a job after 10 minutes; leave time to stop cleanly. */
        val JOB_BUDGET: Duration = Duration.ofMinutes(8)

    }
}
