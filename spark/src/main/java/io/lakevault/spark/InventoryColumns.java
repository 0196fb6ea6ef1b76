package io.lakevault.spark;

import io.lakevault.core.inventory.InventoryField;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Inventory fields as Spark columns: the types S3 Inventory writes in ORC and Parquet. */
public final class InventoryColumns {
  private InventoryColumns() {}

  public static DataType sparkType(InventoryField.Type t) {
    return switch (t) {
      case STRING -> DataTypes.StringType;
      case BOOLEAN -> DataTypes.BooleanType;
      case LONG -> DataTypes.LongType;
      case TIMESTAMP -> DataTypes.TimestampType;
    };
  }

  /**
   * Every inventory field, in {@link InventoryField} order.
   *
   * @param bucketAndKeyRequired whether Bucket and Key are declared NOT NULL
   */
  public static StructType schema(boolean bucketAndKeyRequired) {
    StructType s = new StructType();
    for (InventoryField f : InventoryField.values()) {
      boolean required = bucketAndKeyRequired && (f == InventoryField.BUCKET || f == InventoryField.KEY);
      s = s.add(f.column(), sparkType(f.type()), !required);
    }
    return s;
  }
}
