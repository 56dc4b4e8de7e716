package vn.phananh.data

import kotlin.coroutines.cancellation.CancellationException

/**
 * [runCatching] for suspend calls: the failure of [block] as a [Result], except cancellation,
 * which is rethrown so that a cancelled screen or job stops instead of carrying on with a
 * "failed" result (runCatching would catch CancellationException like any other exception).
 * Only exceptions are caught: an [Error] (out of memory, a broken class path) is not a result.
 */
suspend inline fun <T> runCatchingExceptions(block: suspend () -> T): Result<T> =
    try {
        Result.success(block())
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        Result.failure(e)
    }
