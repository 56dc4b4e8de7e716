package vn.phananh.data

import java.time.Duration

/**
 * When the shell asks the core for the province's configuration: at every app start
 * ([refresh]) and from the periodic background run once [interval] has passed since the last
 * answer ([refreshIfDue]). The core does the conditional fetch (ETag) and checks the document;
 * the shell only keeps the time of the last answer ([lastRefreshed] / [recordRefreshed], the
 * app's preferences), so an unchanged config costs one 304 a day.
 */
class ConfigRefresher(
    private val tenant: TenantRepository,
    private val lastRefreshed: () -> Long,
    private val recordRefreshed: (Long) -> Unit,
    private val interval: Duration = Duration.ofDays(1),
    private val clock: () -> Long = System::currentTimeMillis,
) {
    /** Asks now; true when a new config is in use. A failure (offline) is returned, not thrown. */
    suspend fun refresh(): Result<Boolean> =
        runCatchingExceptions { tenant.refreshConfig() }.onSuccess { recordRefreshed(clock()) }

    /** [refresh] if the last answer is older than [interval]; null when it was not due. */
    suspend fun refreshIfDue(): Result<Boolean>? {
        val last = lastRefreshed()
        val now = clock()
        // A clock set back counts as due: better one request too many than a stale config.
        return if (last == 0L || now < last || now - last >= interval.toMillis()) refresh() else null
    }
}
