// Load Nest's ESM packages before any CommonJS dependency (e.g. @willsoto/nestjs-prometheus) requires them:
// otherwise that require(esm) runs into a module cycle under Jest's VM modules.
import 'reflect-metadata';
import '@nestjs/common';
import '@nestjs/core';
