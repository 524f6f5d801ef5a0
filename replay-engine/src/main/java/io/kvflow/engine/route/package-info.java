/** Routers of a serving cluster: each picks the engine instance a request runs on, at its arrival. */
package io.kvflow.engine.route;
