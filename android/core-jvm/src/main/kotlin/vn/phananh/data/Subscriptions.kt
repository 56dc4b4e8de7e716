package vn.phananh.data

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import vn.phananh.core.TaskHandle

/**
 * The one listener → Flow adapter: [subscribe] registers a listener that forwards each value,
 * and returns the core's [TaskHandle]; the handle is closed when the collector stops (screen
 * gone, coroutine cancelled), which ends the core-side task. Values are snapshots, so only the
 * newest matters to a slow collector (conflated).
 */
fun <T> subscriptionFlow(subscribe: (emit: (T) -> Unit) -> TaskHandle): Flow<T> = callbackFlow {
    val handle = subscribe { value -> trySend(value) }
    awaitClose { handle.close() }
}.buffer(Channel.CONFLATED)
