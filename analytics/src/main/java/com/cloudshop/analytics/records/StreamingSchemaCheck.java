package com.cloudshop.analytics.records;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A one-pass check of JSON bytes against the contract's JSON Schema, compiled from the same schema
 * file, for the common case of a valid event: no tree, no validation messages. It only ever answers
 * "valid for sure" or "not sure". {@link OrderEventDecoder} takes "valid for sure" as it is and
 * sends everything else through the full JSON Schema validator, which decides and explains; so this
 * check may be stricter than the schema (it is: duplicate keys, fractional numbers, date-times other
 * than {@code ...Z}, unknown properties even where allowed, trailing content), never looser. {@code StreamingSchemaCheckTest} holds it to
 * that against the full validator on mutated samples.
 *
 * <p>Compiling fails closed: a schema that uses a keyword this class does not implement yields no
 * check at all ({@link #compile} is empty), and every event takes the full validator.
 */
public final class StreamingSchemaCheck {

    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "title", "description");
    private static final JsonFactory JSON = new JsonFactory();

    private final Node root;

    private StreamingSchemaCheck(Node root) {
        this.root = root;
    }

    public static Optional<StreamingSchemaCheck> compile(JsonNode schema) {
        try {
            return Optional.of(new StreamingSchemaCheck(Node.of(schema)));
        } catch (UnsupportedSchema unsupported) {
            return Optional.empty();
        }
    }

    /** True only if the bytes are one JSON value that the schema accepts. */
    public boolean certainlyValid(byte[] json) {
        try (JsonParser parser = JSON.createParser(json)) {
            return parser.nextToken() != null && root.accepts(parser) && parser.nextToken() == null;
        } catch (IOException malformed) {
            return false;
        }
    }

    private static final class UnsupportedSchema extends RuntimeException {
        UnsupportedSchema(String keyword) {
            super(keyword, null, false, false);
        }
    }

    /** One schema object, with the keywords the contract uses. */
    private static final class Node {
        final Set<String> types = new HashSet<>();
        final Map<String, Node> properties = new LinkedHashMap<>();
        final Set<String> required = new HashSet<>();
        /** The properties again, as arrays: a field is found by a short scan and marked seen in a bit mask. */
        String[] propertyNames;
        Node[] propertyNodes;
        long requiredMask;
        Node items;
        long minItems = 0;
        long maxItems = Long.MAX_VALUE;
        long minLength = 0;
        long maxLength = Long.MAX_VALUE;
        long minimum = Long.MIN_VALUE;
        long maximum = Long.MAX_VALUE;
        JsonNode constant;
        Pattern pattern;
        String format;

        static Node of(JsonNode schema) {
            Node node = new Node();
            for (Iterator<Map.Entry<String, JsonNode>> fields = schema.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode value = field.getValue();
                switch (field.getKey()) {
                    case "type" -> node.types.add(textOf(value));
                    case "properties" -> value.fields().forEachRemaining(property -> node.properties.put(property.getKey(), of(property.getValue())));
                    case "required" -> value.forEach(name -> node.required.add(textOf(name)));
                    // Unknown properties are "not sure" either way (see acceptsObject); only its form is checked.
                    case "additionalProperties" -> booleanOf(value);
                    case "items" -> node.items = of(value);
                    case "minItems" -> node.minItems = longOf(value);
                    case "maxItems" -> node.maxItems = longOf(value);
                    case "minLength" -> node.minLength = longOf(value);
                    case "maxLength" -> node.maxLength = longOf(value);
                    case "minimum" -> node.minimum = longOf(value);
                    case "maximum" -> node.maximum = longOf(value);
                    case "const" -> node.constant = value;
                    case "pattern" -> node.pattern = Pattern.compile(textOf(value));
                    case "format" -> node.format = formatOf(value);
                    default -> {
                        if (!ANNOTATIONS.contains(field.getKey())) {
                            throw new UnsupportedSchema(field.getKey());
                        }
                    }
                }
            }
            if (node.properties.size() > Long.SIZE) {
                throw new UnsupportedSchema("more than 64 properties");
            }
            node.propertyNames = node.properties.keySet().toArray(String[]::new);
            node.propertyNodes = node.properties.values().toArray(Node[]::new);
            for (String name : node.required) {
                int index = node.indexOf(name);
                if (index < 0) {
                    // A required property without a schema of its own: not worth a bit; leave such objects to the full validator.
                    throw new UnsupportedSchema("required without properties: " + name);
                }
                node.requiredMask |= 1L << index;
            }
            return node;
        }

        private int indexOf(String name) {
            for (int index = 0; index < propertyNames.length; index++) {
                if (propertyNames[index].equals(name)) {
                    return index;
                }
            }
            return -1;
        }

        private static String textOf(JsonNode value) {
            if (!value.isTextual()) {
                throw new UnsupportedSchema("non-text " + value);
            }
            return value.textValue();
        }

        private static boolean booleanOf(JsonNode value) {
            if (!value.isBoolean()) {
                throw new UnsupportedSchema("schema-valued " + value);
            }
            return value.booleanValue();
        }

        private static long longOf(JsonNode value) {
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw new UnsupportedSchema("non-integer bound " + value);
            }
            return value.longValue();
        }

        private static String formatOf(JsonNode value) {
            String format = textOf(value);
            if (!format.equals("uuid") && !format.equals("date-time")) {
                throw new UnsupportedSchema("format " + format);
            }
            return format;
        }

        /** Checks the value at the parser's current token and leaves the parser on its last token. */
        boolean accepts(JsonParser parser) throws IOException {
            return switch (parser.currentToken()) {
                case START_OBJECT -> types.contains("object") && constant == null && acceptsObject(parser);
                case START_ARRAY -> types.contains("array") && constant == null && acceptsArray(parser);
                case VALUE_STRING -> types.contains("string") && acceptsString(parser.getText());
                case VALUE_NUMBER_INT -> (types.contains("integer") || types.contains("number")) && acceptsInteger(parser);
                default -> false;
            };
        }

        private boolean acceptsObject(JsonParser parser) throws IOException {
            long seen = 0;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                int index = indexOf(parser.currentName());
                // An unknown property cannot be checked for duplicates here: not sure, whatever the schema allows.
                if (index < 0 || (seen & (1L << index)) != 0) {
                    return false;
                }
                seen |= 1L << index;
                parser.nextToken();
                if (!propertyNodes[index].accepts(parser)) {
                    return false;
                }
            }
            return (seen & requiredMask) == requiredMask;
        }

        private boolean acceptsArray(JsonParser parser) throws IOException {
            long count = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                count++;
                if (items == null) {
                    parser.skipChildren();
                } else if (!items.accepts(parser)) {
                    return false;
                }
            }
            return count >= minItems && count <= maxItems;
        }

        private boolean acceptsString(String text) {
            long length = text.codePointCount(0, text.length());
            return length >= minLength
                    && length <= maxLength
                    && (constant == null || (constant.isTextual() && constant.textValue().equals(text)))
                    && (pattern == null || pattern.matcher(text).find())
                    && (format == null || hasFormat(text));
        }

        private boolean hasFormat(String text) {
            if (format.equals("uuid")) {
                return isHyphenatedUuid(text);
            }
            return EventTimes.isCanonicalUtc(text);
        }

        /** 8-4-4-4-12 hexadecimal digits, the form every UUID format accepts. */
        private static boolean isHyphenatedUuid(String text) {
            if (text.length() != 36) {
                return false;
            }
            for (int index = 0; index < 36; index++) {
                char character = text.charAt(index);
                boolean hyphen = index == 8 || index == 13 || index == 18 || index == 23;
                boolean valid = hyphen
                        ? character == '-'
                        : (character >= '0' && character <= '9') || (character >= 'a' && character <= 'f') || (character >= 'A' && character <= 'F');
                if (!valid) {
                    return false;
                }
            }
            return true;
        }

        private boolean acceptsInteger(JsonParser parser) throws IOException {
            JsonParser.NumberType size = parser.getNumberType();
            if (size != JsonParser.NumberType.INT && size != JsonParser.NumberType.LONG) {
                return false;
            }
            long value = parser.getLongValue();
            return value >= minimum
                    && value <= maximum
                    && (constant == null || (constant.isIntegralNumber() && constant.canConvertToLong() && constant.longValue() == value));
        }
    }
}
