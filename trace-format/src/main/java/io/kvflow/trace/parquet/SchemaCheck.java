package io.kvflow.trace.parquet;

import io.kvflow.trace.TraceFormatException;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Checks a file's footer against schema v1: metadata keys, and each column's physical type and
 * annotation. Other engines' files are accepted where they are equivalent (optional instead of
 * required columns, whose nulls the reader then rejects row by row; 2- or 3-level lists).
 */
final class SchemaCheck {
  private SchemaCheck() {}

  static TraceMetadata metadata(String file, Map<String, String> kv) {
    String version = kv.get(TraceMetadata.KEY_SCHEMA);
    if (version == null) {
      throw new TraceFormatException(file + ": not a KVFlow trace (footer key " + TraceMetadata.KEY_SCHEMA
          + " missing; schema v1 files carry " + TraceMetadata.KEY_SCHEMA + "=1); import other data with 'kvflow import'");
    }
    if (!version.equals(Integer.toString(TraceMetadata.SCHEMA_VERSION))) {
      throw new TraceFormatException(file + ": footer key " + TraceMetadata.KEY_SCHEMA + "=" + version
          + " is not supported; this build reads schema version " + TraceMetadata.SCHEMA_VERSION);
    }
    String kindName = kv.get(TraceMetadata.KEY_KIND);
    TraceKind kind = TraceKind.fromWireName(kindName);
    if (kind == null) {
      throw new TraceFormatException(file + ": footer key " + TraceMetadata.KEY_KIND + "=" + kindName
          + "; expected requests or accesses");
    }
    String bt = kv.get(TraceMetadata.KEY_BLOCK_TOKENS);
    int blockTokens;
    try {
      blockTokens = Integer.parseInt(bt);
    } catch (NumberFormatException e) {
      blockTokens = -1;
    }
    if (blockTokens <= 0) {
      throw new TraceFormatException(file + ": footer key " + TraceMetadata.KEY_BLOCK_TOKENS + "=" + bt
          + "; expected a positive integer");
    }
    String generator = kv.get(TraceMetadata.KEY_GENERATOR);
    long seed = 0;
    if (generator != null) {
      try {
        seed = Long.parseLong(kv.getOrDefault(TraceMetadata.KEY_SEED, "0"));
      } catch (NumberFormatException e) {
        throw new TraceFormatException(file + ": footer key " + TraceMetadata.KEY_SEED + "="
            + kv.get(TraceMetadata.KEY_SEED) + "; expected an integer");
      }
    }
    Map<String, String> extra = new HashMap<>();
    kv.forEach((k, v) -> {
      if (k.startsWith("kvflow.") && !k.equals(TraceMetadata.KEY_SCHEMA) && !k.equals(TraceMetadata.KEY_KIND)
          && !k.equals(TraceMetadata.KEY_BLOCK_TOKENS) && !k.equals(TraceMetadata.KEY_SOURCE)
          && !k.equals(TraceMetadata.KEY_GENERATOR) && !k.equals(TraceMetadata.KEY_SEED)) {
        extra.put(k, v);
      }
    });
    return new TraceMetadata(kind, blockTokens, kv.get(TraceMetadata.KEY_SOURCE), generator, seed, extra);
  }

  /** The descriptor of each schema v1 column of {@code kind}, after checking its type. */
  static Map<String, ColumnDescriptor> columns(String file, TraceKind kind, MessageType schema) {
    Map<String, ColumnDescriptor> out = new LinkedHashMap<>();
    for (ColumnDescriptor d : schema.getColumns()) {
      String top = d.getPath()[0];
      if (TraceSchema.of(kind).containsField(top)) {
        if (out.containsKey(top)) {
          throw new TraceFormatException(file + ": column " + top + " has more than one leaf; expected "
              + TraceSchema.of(kind).getType(top));
        }
        out.put(top, d);
      }
    }
    for (var field : TraceSchema.of(kind).getFields()) {
      String name = field.getName();
      ColumnDescriptor d = out.get(name);
      if (d == null) {
        throw new TraceFormatException(file + ": column " + name + " missing; a " + kind.wireName()
            + " trace needs " + field);
      }
      PrimitiveType expected = name.equals(TraceSchema.BLOCK_HASHES)
          ? TraceSchema.REQUESTS.getColumnDescription(new String[] {name, "list", "element"}).getPrimitiveType()
          : field.asPrimitiveType();
      PrimitiveType actual = d.getPrimitiveType();
      boolean list = name.equals(TraceSchema.BLOCK_HASHES);
      String problem = null;
      if (actual.getPrimitiveTypeName() != expected.getPrimitiveTypeName()) {
        problem = "physical type " + actual.getPrimitiveTypeName() + ", expected " + expected.getPrimitiveTypeName();
      } else if (!annotationCompatible(expected, actual)) {
        problem = "annotation " + actual.getLogicalTypeAnnotation() + ", expected " + expected.getLogicalTypeAnnotation();
      } else if (list && (d.getMaxRepetitionLevel() != 1 || d.getPath().length < 2)) {
        problem = "not a list of int64";
      } else if (!list && d.getMaxRepetitionLevel() != 0) {
        problem = "repeated; expected one value per row";
      }
      if (problem != null) {
        throw new TraceFormatException(file + ": column " + name + ": " + problem + " (schema v1: " + field + ")");
      }
    }
    return out;
  }

  private static boolean annotationCompatible(PrimitiveType expected, PrimitiveType actual) {
    LogicalTypeAnnotation e = expected.getLogicalTypeAnnotation();
    LogicalTypeAnnotation a = actual.getLogicalTypeAnnotation();
    if (a == null) {
      return true;
    }
    if (e == null) {
      return a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.isSigned()
          && i.getBitWidth() == (actual.getPrimitiveTypeName() == PrimitiveTypeName.INT64 ? 64 : 32);
    }
    if (e instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation ei) {
      return a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation ai && ai.isSigned()
          && ai.getBitWidth() <= ei.getBitWidth();
    }
    return e.equals(a);
  }
}
