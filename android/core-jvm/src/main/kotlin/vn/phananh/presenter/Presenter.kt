package vn.phananh.presenter

import kotlinx.coroutines.flow.StateFlow

/**
 * One screen's state holder: it produces the screen's immutable state and takes the screen's
 * events (android/ui-state), working over the feature repositories (vn.phananh.data). Its work
 * runs in the scope it is given; the app cancels that scope when the screen leaves the back
 * stack. Events the platform must handle (navigation, camera, permissions) are the screen's
 * `Shell` events: the app's navigation takes them and a presenter ignores them.
 */
interface Presenter<S, E> {
    val state: StateFlow<S>
    fun onEvent(event: E)
}
